"""Commands for operators: init, users, serve (the register: cli/register_cmds.py; the gazette: cli/gazette_cmds.py)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.app import HomeOpt, JsonOpt, app, home_of
from cli.names import person_role_id
from cli.output import emit_json, esc, out, refusals
from documents.shown import echoed
from review.config import ROLE_NAMES

users_app = typer.Typer(help="人员与角色", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _people_of(h):
    """The configuration with the record's people (the database; lockstep.toml seeds it)."""
    from services.home.context import open_services
    return open_services(h.require()).config


@users_app.command("password")
def users_password(ctx: typer.Context, name: Annotated[str, typer.Argument(help="人员登录名")],
                   as_json: JsonOpt = False) -> None:
    """为人员生成工作台（网页）登录密码：只显示这一次，保存的是其 scrypt 哈希。"""
    from desk.auth import issue_password
    from documents.problems import Refused, problem
    h = home_of(ctx)
    with refusals(as_json):
        if _people_of(h).person(name) is None:
            raise Refused(problem("unknown_person", f"没有人员 {echoed(name)}"))
        password = issue_password(h.path, name)
    if as_json:
        emit_json({"user": name, "password": password})
    else:
        out.print(f"{esc(name)} 的工作台登录密码：[bold]{esc(password)}[/bold]（只显示这一次，请转交本人）")


@users_app.command("token")
def users_token(ctx: typer.Context, name: Annotated[str, typer.Argument(help="人员登录名")],
                revoke: Annotated[bool, typer.Option("--revoke", help="作废该人员的接口令牌，不生成新的")] = False,
                as_json: JsonOpt = False) -> None:
    """为人员生成接口（HTTP API）令牌：只显示这一次，保存的是其 SHA-256；再次生成即作废旧令牌。"""
    from desk.auth import issue_token, revoke_tokens
    from documents.problems import Refused, problem
    h = home_of(ctx)
    with refusals(as_json):
        if _people_of(h).person(name) is None:
            raise Refused(problem("unknown_person", f"没有人员 {echoed(name)}"))
        if revoke:
            revoked = revoke_tokens(h.path, name)
        else:
            token = issue_token(h.path, name)
    if revoke:
        if as_json:
            emit_json({"user": name, "revoked": revoked})
        else:
            out.print(f"已作废 {esc(name)} 的接口令牌。" if revoked else f"{esc(name)} 没有接口令牌，无需作废。")
    elif as_json:
        emit_json({"user": name, "token": token})
    else:
        out.print(f"{esc(name)} 的接口令牌：[bold]{esc(token)}[/bold]（只显示这一次；调用时发送 "
                  f"Authorization: Bearer 令牌；再次生成即作废此令牌）")


@app.command("init")
def init_cmd(ctx: typer.Context, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """创建主目录：SQLite 数据库、对象存储文件夹和配置文件 lockstep.toml。"""
    from services.home.context import initialise
    h = home_of(ctx, home)
    created, svc = initialise(h)
    doc = {"home": str(h.path.resolve()), "created": created, "config": str(h.config_path.resolve()),
           "database": h.database_url, "objects": svc.store.describe()}
    if as_json:
        emit_json(doc)
        return
    out.print(f"[green bold]{'已创建' if created else '已存在'}[/green bold] Lockstep 主目录 {esc(doc['home'])}")
    out.print(f"  配置：{esc(doc['config'])}\n  数据库：{esc(doc['database'])}\n  对象存储：{esc(doc['objects'])}")
    out.print("  下一步：lockstep users list 查看人员；lockstep submit 材料.zip --as drafter 提交材料。")


@users_app.command("list")
def users_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出人员、单位和角色（数据库中的记录；lockstep.toml 只用于初始导入，停用的人员不列出）。"""
    with refusals(as_json):
        config = _people_of(home_of(ctx))
    if as_json:
        emit_json({"users": [{"name": p.name, "unit": p.unit, "roles": list(p.roles), "display": p.display}
                             for p in config.people]})
        return
    for p in config.people:
        roles = "、".join(ROLE_NAMES.get(r, r) for r in p.roles)
        out.print(f"  [bold]{esc(p.name)}[/bold]（{esc(p.display or p.name)}）  {esc(p.unit)}  {esc(roles)}")


@users_app.command("add")
def users_add(ctx: typer.Context, name: Annotated[str, typer.Argument(help="人员登录名")],
              unit: Annotated[str, typer.Option("--unit", help="所属单位（须在 units 中）")],
              role: Annotated[list[str], typer.Option("--role", help="角色，可多次指定：起草人员、合法性审核人员、签发人…（或 drafter 等）")],
              display: Annotated[Optional[str], typer.Option("--display", help="显示姓名")] = None,
              as_json: JsonOpt = False) -> None:
    """添加人员（记入数据库，所有工作台即时生效；lockstep.toml 只用于初始导入）。"""
    import getpass
    from services.home.people import add_person
    role = [person_role_id(r) for r in role]
    with refusals(as_json):
        user = add_person(home_of(ctx), name, unit, list(role), display, getpass.getuser())
    if as_json:
        emit_json({"user": user})
    else:
        out.print(f"[green]已添加[/green] {esc(name)}（{esc(user['unit'])}，{esc('、'.join(ROLE_NAMES[r] for r in role))}）")


@users_app.command("disable")
def users_disable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="人员登录名")],
                  as_json: JsonOpt = False) -> None:
    """停用人员：立即退出所有工作台的会话、作废接口令牌、不再列入人员与待办；记入审计。记录中的历史不变。"""
    import getpass
    from services.home.people import disable_person
    with refusals(as_json):
        result = disable_person(home_of(ctx), name, getpass.getuser())
    if as_json:
        emit_json({"user": result})
    elif result["already"]:
        out.print(f"{esc(name)} 已是停用状态。")
    else:
        out.print(f"[green]已停用[/green] {esc(name)}：其工作台会话已全部结束，接口令牌已作废。")


@users_app.command("enable")
def users_enable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="人员登录名")],
                 as_json: JsonOpt = False) -> None:
    """重新启用已停用的人员（users disable 的反操作）：重新列入人员与待办；记入审计。须重新生成密码与接口令牌。"""
    import getpass
    from services.home.people import enable_person
    with refusals(as_json):
        result = enable_person(home_of(ctx), name, getpass.getuser())
    if as_json:
        emit_json({"user": result})
    elif result["already"]:
        out.print(f"{esc(name)} 未停用，无需启用。")
    else:
        out.print(f"[green]已启用[/green] {esc(name)}：请用 lockstep users password {esc(name)} 重新生成登录密码"
                  f"（停用时其会话与接口令牌已作废）。")


@app.command("serve")
def serve_cmd(ctx: typer.Context,
              host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
              port: Annotated[int, typer.Option("--port", min=0, max=65535, help="端口（0 为任选空闲端口）")] = 8765,
              prefect_port: Annotated[int, typer.Option("--prefect-port", min=0, max=65535,
                                                        help="内置工作流引擎（Prefect）的端口（0 为任选空闲端口）")] = 0,
              as_json: JsonOpt = False) -> None:
    """启动工作台：常驻的工作流服务与接口；命令行的提交、签发、发布交给它处理，无需每次启动引擎。"""
    from desk.server import serve
    with refusals(as_json):
        home = home_of(ctx).require()
    if port and (why := _cannot_listen(host, port)):
        raise typer.BadParameter(why, param_hint="--port")
    serve(home.path, host, port, say=(lambda m: None) if as_json else out.print, prefect_port=prefect_port)


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the desk could not listen there, said before anything starts (bound as desk.server.listening_socket
    binds: a port in TIME_WAIT is free); None when it can."""
    import errno
    import socket
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        return None
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return f"端口 {port} 已被其他程序占用（可能已有工作台在运行）；请另选端口，或用 --port 0 任选空闲端口"
        return f"无法在 {host}:{port} 监听（{e.strerror}）；请检查 --host 与 --port"
