"""Parses a Prometheus text exposition (format 0.0.4) read from stdin with the Prometheus
project's own Python client (`prometheus_client.parser`, pinned in tests/ops-requirements.txt)
and prints its samples as JSON: [{"family", "type", "name", "labels", "value"}, ...].

Used by tests/metrics.rs, so that what `govledger serve --metrics-listen` serves is read by a
parser that is not ours. A line the parser cannot read fails it (exit 1, the error on stderr).
"""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        samples.append(
            {
                "family": family.name,
                "type": family.type,
                "name": s.name,
                "labels": s.labels,
                "value": s.value,
            }
        )
json.dump(samples, sys.stdout)
