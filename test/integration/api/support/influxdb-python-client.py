"""InfluxDB 1.x's Python client library (`influxdb` from PyPI) driven by a test: reads calls as JSON
on stdin, makes each with a fresh InfluxDBClient, and prints one JSON answer per call. Integers are
carried as {"$int": "digits"} both ways, so 64-bit values never pass through a double."""

import json
import sys

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBClientError, InfluxDBServerError


def decode(o):
    return int(o["$int"]) if set(o) == {"$int"} else o


def encode(v):
    if isinstance(v, bool) or v is None or isinstance(v, (str, float)):
        return v
    if isinstance(v, int):
        return {"$int": str(v)}
    if isinstance(v, dict):
        return {k: encode(x) for k, x in v.items()}
    return [encode(x) for x in v]


def result_set(rs):
    """the series as the library yields them: (measurement, tags) and its points as dicts"""
    return [[name, tags, list(points)] for (name, tags), points in rs.items()]


def run(call, client):
    op = call["op"]
    if op == "write_points":
        return client.write_points(call["points"], time_precision=call.get("precision"))
    if op == "query":
        rs = client.query(
            call["q"], epoch=call.get("epoch"), method=call.get("method", "GET"), bind_params=call.get("bind_params")
        )
        return result_set(rs)
    if op == "get_list_measurements":
        return client.get_list_measurements()
    if op == "get_list_database":
        return client.get_list_database()
    raise ValueError(op)


def main():
    spec = json.load(sys.stdin, object_hook=decode)
    answers = []
    for call in spec["calls"]:
        client = InfluxDBClient(
            host=spec["host"],
            port=spec["port"],
            username=spec["username"],
            password=call.get("password", spec["password"]),
            database=spec["database"],
            retries=1,
        )
        try:
            answers.append({"ok": run(call, client)})
        except (InfluxDBClientError, InfluxDBServerError) as e:
            code = e.code if isinstance(e, InfluxDBClientError) else None
            content = e.content if isinstance(e, InfluxDBClientError) else str(e)
            answers.append({"error": {"type": type(e).__name__, "code": code, "content": content}})
        finally:
            client.close()
    json.dump(encode(answers), sys.stdout)


main()
