"""What comes in: bundle reading, docx extraction, document numbers, form checks, domain models.

Pure domain: no database, no workflow engine, no object store (a contract test holds this).
"""
