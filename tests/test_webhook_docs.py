"""docs/webhooks.md's example delivery is signed as the library signs it."""

import re
from datetime import UTC, datetime
from pathlib import Path

import standardwebhooks

DOC = (Path(__file__).parent.parent / "docs" / "webhooks.md").read_text()


def test_the_documented_signature_is_the_real_one() -> None:
    secret = re.search(r'"secret": "(whsec_[A-Za-z0-9+/=]+)"', DOC)
    request = re.search(r"```http\n(.*?)\n\n(.*?)\n```", DOC, re.DOTALL)
    assert secret is not None and request is not None
    head, body = request.groups()
    headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    signed = standardwebhooks.Webhook(secret.group(1)).sign(
        msg_id=headers["webhook-id"],
        timestamp=datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC),
        data=body,
    )
    assert headers["webhook-signature"] == signed
    assert f'"id":"{headers["webhook-id"]}"' in body
