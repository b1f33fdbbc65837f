"""A Lockstep home: config file, database, object store and the published site, in one folder."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from documents.problems import Refused, problem
from review.config import DEFAULT_CONFIG_TOML, Config, parse_config

CONFIG_NAME = "lockstep.toml"
STORAGE_DEFAULTS = """
[storage]
# 数据库：默认为主目录下的 SQLite 文件（相对路径按主目录计，复制或恢复的主目录用它自己的数据库）；
# 省级部署可改为 postgresql+psycopg://user:pw@host/db
database = "sqlite:///lockstep.db"
# 对象存储：默认为主目录下的文件夹；或 s3://ACCESS:SECRET@host:9000/bucket?secure=false（MinIO）
objects = "folder:objects"

[desk]
# 工作台会话：闲置 idle_hours 小时、或登录满 session_hours 小时（无论是否在用）后须重新登录；
# 重置或删除密码（lockstep users password 姓名）立即结束该人员的全部会话。
idle_hours = 8
session_hours = 12
# 反向代理：只采信这里列出的代理地址（如 "127.0.0.1"、"10.0.0.0/8"）转来的 X-Forwarded-For；
# 默认为空，即按连接地址计算登录失败次数。
trusted_proxies = []
"""


PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700
PUBLIC_DIR = 0o755
HOME_MODE = 0o711        # private listing; the public site inside stays reachable


def _chmod(path: Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except OSError:         # not ours (a shared folder an operator named): leave it as it is
        pass


def public_folder(path: Path) -> Path:
    """`mkdir -p path` for public outputs (site pages, gazette editions): every folder it makes is 0755,
    whatever the umask (077 would hide the pages from the web server, 000 would let anyone rewrite them).
    Folders that already exist are left as they are (an operator's own --out folder is theirs)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        try:
            p.mkdir()
        except FileExistsError:             # another writer made it meanwhile
            if not p.is_dir():
                raise
        _chmod(p, PUBLIC_DIR)
    return path


def private(path: Path) -> None:
    """Take group and other access away from a private file that has it (and is ours)."""
    try:
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, PRIVATE_FILE)
    except OSError:
        pass


def write_public(path: Path, data: bytes) -> None:
    """A public file (a site or register page, a gazette edition's file): 0644 whatever the umask, in
    folders made 0755, written whole under a temporary name beside it (.tmp-*, which `lockstep storage
    check` knows) and renamed into place, so a reader sees the old file or the new one, never half."""
    import tempfile
    public_folder(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_private(path: Path, text: str) -> None:
    """A new file only its owner may read (0600 from the first byte, whatever the umask)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    _chmod(path, PRIVATE_FILE)


def default_home() -> Path:
    return Path(os.environ.get("LOCKSTEP_HOME") or ".lockstep")


@dataclass
class Home:
    path: Path

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_NAME

    @property
    def site(self) -> Path:
        return self.path / "site"

    @property
    def exists(self) -> bool:
        return self.config_path.is_file()

    def require(self) -> "Home":
        if not self.exists:
            from services.home.restore_lock import interrupted_restore
            raise Refused(problem("home_missing", f"{self.path} 下没有 {CONFIG_NAME}",
                                  advice=interrupted_restore(self.path.absolute())))   # a killed restore's way on
        return self

    @cached_property
    def raw(self) -> dict:
        text = self.config_path.read_text(encoding="utf-8")
        private(self.config_path)                 # an older Lockstep wrote it 0644
        return tomllib.loads(text)

    @cached_property
    def config(self) -> Config:
        return parse_config(self.config_path.read_text(encoding="utf-8"))

    @property
    def database_url(self) -> str:
        """LOCKSTEP_DATABASE_URL as given; else lockstep.toml's [storage] database, where a relative SQLite
        file is the home's own (sqlite:///lockstep.db is HOME/lockstep.db, whatever the working folder),
        so a copied or restored home never writes to the database of the home it came from."""
        if url := os.environ.get("LOCKSTEP_DATABASE_URL"):
            return url
        return home_relative(self.raw.get("storage", {}).get("database", "sqlite:///lockstep.db"), self.path)

    @property
    def objects_url(self) -> str:
        return os.environ.get("LOCKSTEP_OBJECTS") or self.raw.get("storage", {}).get("objects", "folder:objects")

    def create(self) -> bool:
        """Write the default config if there is none; True when created.

        What is private stays private (files 0600, folders 0700): the config, the database
        (storage/db.py), the objects (storage/objects.py), Prefect's records and the desk's users
        file (desk/auth.py). A home this creates is 0711: nobody else may list it, but a web server
        may still reach the public site inside it (site/, 0755, its pages 0644)."""
        fresh = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        if fresh:
            _chmod(self.path, HOME_MODE)
        for private in ("objects", "prefect"):
            folder = self.path / private
            if not folder.exists():
                folder.mkdir(mode=PRIVATE_DIR)
                _chmod(folder, PRIVATE_DIR)       # whatever the umask
        if not self.site.exists():
            self.site.mkdir()
            _chmod(self.site, PUBLIC_DIR)         # a web server serves it, whatever the umask
        if self.exists:
            return False
        write_private(self.config_path, DEFAULT_CONFIG_TOML + STORAGE_DEFAULTS)
        return True

    def add_person(self, name: str, unit: str, roles: list[str], display: str | None = None) -> None:
        """Append a person to lockstep.toml, keeping the file's comments and layout."""
        import tomlkit                  # only a write keeps the layout: a read of the home never needs it
        doc = tomlkit.parse(self.config_path.read_text(encoding="utf-8"))
        entry = tomlkit.table()
        entry["name"], entry["unit"], entry["roles"] = name, unit, roles
        if display:
            entry["display"] = display
        doc["people"].append(entry)
        text = tomlkit.dumps(doc)
        parse_config(text)          # refuse a file that would no longer load
        self.config_path.write_text(text, encoding="utf-8")
        self.__dict__.pop("config", None)
        self.__dict__.pop("raw", None)


SQLITE = "sqlite:///"


def home_relative(url: str, home: Path) -> str:
    """A SQLite URL whose file is a relative path, made the file of that name in `home`; any other URL
    (an absolute file: sqlite:////abs, :memory:, PostgreSQL) as it is."""
    if not url.startswith(SQLITE) or url.startswith(SQLITE + "/"):
        return url
    path, sep, query = url[len(SQLITE):].partition("?")
    if path in ("", ":memory:") or path.startswith("file:"):
        return url
    return f"{SQLITE}{home.resolve() / path}{sep}{query}"
