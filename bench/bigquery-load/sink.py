#!/usr/bin/env python3
"""A BigQuery stand-in for the load benchmark: just enough of the REST API v2 for `sluice run` to load
one table (datasets.insert, tables.get, jobs.get, multipart and resumable uploads), answering in
BigQuery's JSON shapes. Upload bytes are counted and dropped, never stored, so the sink's own memory
and CPU stay out of the measurement. After each finished upload it checks that a sample of the NDJSON
lines parse, and writes its figures to the stats file given on the command line.

Usage: sink.py PORT_FILE STATS_FILE    (listens on 127.0.0.1, a free port written to PORT_FILE)
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

CHUNK = 256 * 1024
LOCK = threading.Lock()
SESSIONS = {}
TABLES = {}
JOBS = {}


def error(handler, code, reason, message):
    body = json.dumps({"error": {"code": code, "message": message,
                                 "errors": [{"reason": reason, "message": message, "domain": "global"}],
                                 "status": "NOT_FOUND" if code == 404 else "INVALID_ARGUMENT"}}).encode()
    handler.send_response(code)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def reply(handler, payload, code=200, headers=None):
    body = json.dumps(payload).encode() if payload is not None else b""
    handler.send_response(code)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def job_resource(project, job_id, configuration, rows, size):
    return {"kind": "bigquery#job", "id": f"{project}:US.{job_id}",
            "jobReference": {"projectId": project, "jobId": job_id, "location": "US"},
            "configuration": configuration, "status": {"state": "DONE"},
            "statistics": {"load": {"inputFiles": "1", "inputFileBytes": str(size), "outputRows": str(rows),
                                    "outputBytes": str(size), "badRecords": "0"}}}


def sample_lines_parse(head, tail):
    lines = head.split(b"\n")[:-1][:2000] + tail.split(b"\n")[1:-1][-2000:]
    for line in lines:
        if line:
            json.loads(line)
    return len(lines)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stats_file = ""
    base = ""

    def log_message(self, *args):
        pass

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def finish_load(self, project, job, data_bytes, rows, head, tail, started):
        finished = time.monotonic()
        load = job["configuration"]["load"]
        table = load["destinationTable"]
        disposition = load.get("writeDisposition", "WRITE_APPEND")
        key = (table["datasetId"], table["tableId"].split("$")[0])
        with LOCK:
            before = 0 if disposition == "WRITE_TRUNCATE" else TABLES.get(key, 0)
            TABLES[key] = before + rows
            JOBS[job["jobReference"]["jobId"]] = job_resource(project, job["jobReference"]["jobId"], job["configuration"], rows, data_bytes)
        checked = sample_lines_parse(head, tail)
        with open(self.stats_file, "w") as out:
            json.dump({"bytes": data_bytes, "rows": rows, "seconds": finished - started, "checked_lines": checked}, out)
        return JOBS[job["jobReference"]["jobId"]]

    def do_POST(self):
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        data = self.body()
        if parts[:2] == ["bigquery", "v2"] and parts[-1] == "datasets":
            dataset = json.loads(data)["datasetReference"]["datasetId"]
            return reply(self, {"kind": "bigquery#dataset", "datasetReference": {"projectId": parts[3], "datasetId": dataset}})
        if parts[:1] == ["upload"] and query.get("uploadType") == ["resumable"]:
            job = json.loads(data)
            with LOCK:
                session = str(len(SESSIONS) + 1)
                SESSIONS[session] = {"project": parts[4], "job": job, "received": 0, "rows": 0, "head": b"", "tail": b"",
                                     "started": time.monotonic()}
            location = f"{self.base}/upload/bigquery/v2/projects/{parts[4]}/jobs?uploadType=resumable&upload_id={session}"
            return reply(self, None, headers={"Location": location})
        if parts[:1] == ["upload"] and query.get("uploadType") == ["multipart"]:
            boundary = self.headers["Content-Type"].split("boundary=")[1].strip('"').encode()
            pieces = data.split(b"--" + boundary)
            metadata = json.loads(pieces[1].split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0])
            media = pieces[2].split(b"\r\n\r\n", 1)[1][:-2]
            job = self.finish_load(parts[4], metadata, len(media), media.count(b"\n"), media, media, time.monotonic())
            return reply(self, job)
        return error(self, 404, "notFound", f"Not found: {self.command} {url.path}")

    def do_PUT(self):
        url = urlparse(self.path)
        session_id = parse_qs(url.query).get("upload_id", [""])[0]
        data = self.body()
        session = SESSIONS.get(session_id)
        if session is None:
            return error(self, 404, "notFound", "Not found: upload session")
        span, _, total = self.headers.get("Content-Range", "bytes */*")[6:].partition("/")
        if span != "*":
            start, _, end = span.partition("-")
            if int(start) != session["received"] or int(end) - int(start) + 1 != len(data):
                return error(self, 400, "invalid", f"Content-Range {span} does not follow the {session['received']} bytes received")
            if total == "*" and len(data) % CHUNK:
                return error(self, 400, "invalid", "every chunk but the last must be a multiple of 256 KiB")
            if session["received"] == 0:
                session["head"] = data[:1 << 20]
            session["tail"] = data[-(1 << 20):]
            session["received"] += len(data)
            session["rows"] += data.count(b"\n")
        if total != "*" and int(total) == session["received"]:
            job = self.finish_load(session["project"], session["job"], session["received"], session["rows"],
                                   session["head"], session["tail"], session["started"])
            return reply(self, job)
        headers = {"Range": f"bytes=0-{session['received'] - 1}"} if session["received"] else {}
        return reply(self, None, code=308, headers=headers)

    def do_GET(self):
        parts = [p for p in urlparse(self.path).path.split("/") if p]
        if len(parts) == 8 and parts[4] == "datasets" and parts[6] == "tables":
            rows = TABLES.get((parts[5], parts[7]))
            if rows is None:
                return error(self, 404, "notFound", f"Not found: Table {parts[3]}:{parts[5]}.{parts[7]}")
            return reply(self, {"kind": "bigquery#table", "type": "TABLE", "numRows": str(rows),
                                "lastModifiedTime": str(int(time.time() * 1000)),
                                "tableReference": {"projectId": parts[3], "datasetId": parts[5], "tableId": parts[7]}})
        if len(parts) == 6 and parts[4] == "jobs" and parts[5] in JOBS:
            return reply(self, JOBS[parts[5]])
        return error(self, 404, "notFound", f"Not found: GET {self.path}")


def main():
    port_file, stats_file = sys.argv[1], sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Handler.stats_file = stats_file
    Handler.base = f"http://127.0.0.1:{server.server_address[1]}"
    with open(port_file, "w") as out:
        out.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
