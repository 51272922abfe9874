#!/usr/bin/env python3
"""Reads a moc topic (item-codes, ctr-models, ...) with nothing but the released .avsc files.

Every message is Avro single-object encoded: 0xC3 0x01, the CRC-64-AVRO fingerprint of the writer
schema's Parsing Canonical Form (8 bytes, little-endian), then the Avro binary body. This consumer
computes the fingerprint of every .avsc it is given, picks the writer schema a message names, and
resolves it to the current schema of the record (the newest .avsc of that name), so messages of
producers that have not upgraded decode with the new fields' defaults.

Prints one JSON object per record: topic, partition, offset, key (UTF-8), writer (schema file name)
and value (null for a tombstone). Timestamps are epoch milliseconds, bytes are hex.

Needs Debian's python3-confluent-kafka and python3-avro (or the same packages from PyPI).
"""

import argparse
import datetime
import json
import os
import re
import sys

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaException, TopicPartition

# The default record type of each topic; --record overrides it for renamed topics.
TOPIC_RECORDS = {
    "items": "ItemEvent",
    "impressions": "ImpressionEvent",
    "item-codes": "ItemCodes",
    "codebooks": "CodebookVersion",
    "ctr-models": "ModelSnapshot",
    "dead-letters": "DeadLetter",
}

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
CRC64_EMPTY = 0xC15D213AA4D7A795


def _crc64_table():
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (CRC64_EMPTY if fp & 1 else 0)
        table.append(fp)
    return table


_TABLE = _crc64_table()


def fingerprint(canonical_form):
    """CRC-64-AVRO of a schema's Parsing Canonical Form, as the Avro specification defines it."""
    fp = CRC64_EMPTY
    for b in canonical_form.encode("utf-8"):
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return fp


def _fullname(name, namespace):
    return name if "." in name or not namespace else namespace + "." + name


def canonical_form(schema, namespace=None, seen=None):
    """The Parsing Canonical Form of a schema given as parsed JSON.

    Written here rather than taken from avro.schema because python3-avro 1.11.1 keeps
    {"type": "long"} for a logical type where the specification (and Java) reduce it to "long",
    which gives a different fingerprint for every schema with a timestamp.
    """
    seen = set() if seen is None else seen
    dump = lambda s: json.dumps(s, ensure_ascii=False)
    if isinstance(schema, str):
        return dump(schema if schema in PRIMITIVES else _fullname(schema, namespace))
    if isinstance(schema, list):
        return "[" + ",".join(canonical_form(s, namespace, seen) for s in schema) + "]"
    kind = schema["type"]
    if not isinstance(kind, str) or kind in PRIMITIVES:
        return canonical_form(kind, namespace, seen)
    if kind == "array":
        return '{"type":"array","items":' + canonical_form(schema["items"], namespace, seen) + "}"
    if kind == "map":
        return '{"type":"map","values":' + canonical_form(schema["values"], namespace, seen) + "}"
    if kind not in ("record", "error", "enum", "fixed"):
        return canonical_form(kind, namespace, seen)
    name = _fullname(schema["name"], schema.get("namespace", namespace))
    if name in seen:
        return dump(name)
    seen.add(name)
    inner = name.rpartition(".")[0] or None
    parts = ['"name":' + dump(name), '"type":' + dump(kind)]
    if kind in ("record", "error"):
        fields = [
            '{"name":' + dump(f["name"]) + ',"type":' + canonical_form(f["type"], inner, seen) + "}"
            for f in schema["fields"]
        ]
        parts.append('"fields":[' + ",".join(fields) + "]")
    elif kind == "enum":
        parts.append('"symbols":' + json.dumps(schema["symbols"], separators=(",", ":")))
    else:
        parts.append('"size":' + str(int(schema["size"])))
    return "{" + ",".join(parts) + "}"


class Schemas:
    """The writer schemas by fingerprint, and the reader (current) schema of each record name."""

    def __init__(self, folders):
        self.writers = {}
        self.readers = {}
        for folder in folders:
            for root, _, files in os.walk(folder):
                for file in sorted(files):
                    if file.endswith(".avsc"):
                        self._add(os.path.join(root, file))
        if not self.writers:
            raise SystemExit("no .avsc files under " + ", ".join(folders))

    def _add(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        parsed = json.loads(text)
        schema = avro.schema.parse(text)
        file = os.path.basename(path)
        released = re.fullmatch(r"(.+)\.v(\d+)\.avsc", file)
        fp = fingerprint(canonical_form(parsed))
        # A message names its writer by the released version when the current schema is one.
        if fp not in self.writers or released:
            self.writers[fp] = (file, schema)
        # The reader is the current schema (a file outside history/, as in src/main/avro), or the
        # newest released version (history/<Name>.v<N>.avsc) when only the history is given.
        rank = int(released.group(2)) if released else sys.maxsize
        name = parsed["name"]
        if name not in self.readers or self.readers[name][0] < rank:
            self.readers[name] = (rank, schema)

    def reader(self, name):
        if name not in self.readers:
            raise SystemExit("no schema for record " + name)
        return self.readers[name][1]

    def decode(self, record_name, message):
        """The record a single-object message holds, read with the current schema of its name."""
        if len(message) < 10 or message[0] != 0xC3 or message[1] != 0x01:
            raise ValueError("not an Avro single-object message")
        fp = int.from_bytes(message[2:10], "little")
        if fp not in self.writers:
            raise ValueError("unknown schema fingerprint %016x" % fp)
        file, writer = self.writers[fp]
        reader = self.reader(record_name)
        decoder = avro.io.BinaryDecoder(_Bytes(message[10:]))
        return file, avro.io.DatumReader(writer, reader).read(decoder)


class _Bytes:
    """The read interface BinaryDecoder needs, over bytes."""

    def __init__(self, data):
        self.data = memoryview(data)
        self.pos = 0

    def read(self, n):
        chunk = self.data[self.pos : self.pos + n].tobytes()
        self.pos += len(chunk)
        return chunk

    def seek(self, offset, whence=0):
        self.pos = offset if whence == 0 else self.pos + offset

    def tell(self):
        return self.pos


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def plain(value):
    """A decoded value as JSON: timestamps as epoch milliseconds, bytes as hex."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return (value - _EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return value


def _drop_reached(consumer, topic, ends):
    """Forgets the partitions whose position reached their end offset at start.

    By position, not by the last record's offset: a transaction's commit marker takes an offset
    that no record is read at.
    """
    if ends:
        for tp in consumer.position([TopicPartition(topic, part) for part in list(ends)]):
            if tp.offset >= ends[tp.partition]:
                del ends[tp.partition]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bootstrap-servers", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--record", help="record type of the topic (default: by the topic's name)")
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument(
        "--schemas",
        action="append",
        help="folder of .avsc files, searched recursively; repeatable "
        "(default: this module's src/main/avro and src/main/resources)",
    )
    p.add_argument(
        "-X",
        dest="properties",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a librdkafka client property (security.protocol, sasl.mechanism, ...); repeatable",
    )
    p.add_argument(
        "--follow", action="store_true", help="keep reading after the end offsets at start"
    )
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to reach the end offsets")
    args = p.parse_args(argv)

    record = args.record or TOPIC_RECORDS.get(args.topic)
    if record is None:
        raise SystemExit("unknown topic %s: name its record type with --record" % args.topic)
    folders = args.schemas or [
        os.path.join(here, "..", "src", "main", "avro"),
        os.path.join(here, "..", "src", "main", "resources"),
    ]
    schemas = Schemas(folders)
    schemas.reader(record)

    config = {
        "bootstrap.servers": args.bootstrap_servers,
        # Reads by assignment and never commits: the group id only satisfies the client.
        "group.id": "moc-python-consumer",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    }
    for prop in args.properties:
        key, sep, value = prop.partition("=")
        if not sep:
            raise SystemExit("-X wants KEY=VALUE, got " + prop)
        config[key] = value

    consumer = Consumer(config)
    try:
        metadata = consumer.list_topics(args.topic, timeout=args.timeout)
        topic = metadata.topics[args.topic]
        if topic.error is not None:
            raise KafkaException(topic.error)
        partitions = sorted(topic.partitions)
        ends = {}
        for partition in partitions:
            low, high = consumer.get_watermark_offsets(
                TopicPartition(args.topic, partition), timeout=args.timeout
            )
            if high > low:
                ends[partition] = high
        consumer.assign([TopicPartition(args.topic, part, 0) for part in partitions])
        deadline = None if args.follow else datetime.datetime.now() + datetime.timedelta(
            seconds=args.timeout
        )
        while args.follow or ends:
            if deadline is not None and datetime.datetime.now() > deadline:
                raise SystemExit("end offsets not reached within %.0f s: %s" % (args.timeout, ends))
            message = consumer.poll(0.5)
            _drop_reached(consumer, args.topic, ends)
            if message is None:
                continue
            if message.error() is not None:
                raise KafkaException(message.error())
            out = {
                "topic": message.topic(),
                "partition": message.partition(),
                "offset": message.offset(),
                "key": None if message.key() is None else message.key().decode("utf-8"),
            }
            if message.value() is None:
                out["writer"], out["value"] = None, None
            else:
                try:
                    file, value = schemas.decode(record, message.value())
                    out["writer"], out["value"] = file, plain(value)
                except Exception as e:  # one bad record must not stop the reader
                    out["writer"], out["value"], out["error"] = None, None, str(e)
            print(json.dumps(out, ensure_ascii=False), flush=True)
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main())
