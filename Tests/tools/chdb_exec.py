#!/usr/bin/env python3
"""Runs SQL statements in one chDB session (an embedded current ClickHouse) and prints the last result.

Used by Tests/InfraSightTestSupport/ChDB.swift to check that what InfraSight writes for old servers is also
right for current ClickHouse.

    chdb_exec.py [--session DIR]  < statements.json

stdin: a JSON array of SQL strings, run in order in one session (state such as tables and SET carries over).
stdout: the raw output of the last statement (chDB's default output format is CSV; add FORMAT ... to choose).
On failure: exit status 1 and "statement N failed: <ClickHouse error>" plus the statement on stderr.
Files are ingested with the statements themselves, e.g.
    INSERT INTO t (a, b) FROM INFILE '/path/rows.bin' FORMAT RowBinary
    INSERT INTO t SELECT * FROM file('/path/rows.bin', 'RowBinary', 'a UInt32, b String')
"""
import argparse
import json
import shutil
import sys
import tempfile


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--session", help="session data folder (default: a temporary folder, removed afterwards)")
    args = ap.parse_args()
    try:
        statements = json.load(sys.stdin)
    except json.JSONDecodeError as e:
        print(f"stdin is not a JSON array of statements: {e}", file=sys.stderr)
        return 2
    if not isinstance(statements, list) or not all(isinstance(s, str) for s in statements):
        print("stdin must be a JSON array of SQL strings", file=sys.stderr)
        return 2
    try:
        from chdb import session as chs
    except ImportError as e:
        print(f"chdb is not importable with {sys.executable} ({e}); run `make deps` (pip install chdb-core)",
              file=sys.stderr)
        return 3

    path = args.session or tempfile.mkdtemp(prefix="infrasight-chdb-")
    sess = chs.Session(path)
    output = b""
    try:
        for i, sql in enumerate(statements, 1):
            try:
                res = sess.query(sql)
            except Exception as e:  # chdb raises ChdbError (a RuntimeError) with the ClickHouse message
                print(f"statement {i} failed: {e}\n--- statement {i}:\n{sql}", file=sys.stderr)
                return 1
            err = getattr(res, "error_message", None)
            if callable(err):
                err = err()
            if err:
                print(f"statement {i} failed: {err}\n--- statement {i}:\n{sql}", file=sys.stderr)
                return 1
            output = res.bytes() if hasattr(res, "bytes") else str(res).encode()
    finally:
        sess.close()
        if not args.session:
            shutil.rmtree(path, ignore_errors=True)
    sys.stdout.buffer.write(output)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
