"""The implicit (metadata) AI label every output carries.

China's labelling measures (in force 2025-09-01) and GB 45438-2025 ask for a metadata label
naming the producer and a content id next to the visible mark; the ``AIGC`` key below follows
that shape, and the plain keys make it readable in any player's info panel.
"""

from __future__ import annotations

import json
import uuid

from .. import __version__


def ai_metadata(content_id: str | None = None, title: str = "") -> dict[str, str]:
    content_id = content_id or uuid.uuid4().hex
    aigc = {"Label": "1", "ContentProducer": "twincast", "ProduceID": content_id,
            "ContentPropagator": "", "PropagateID": ""}
    meta = {
        "AIGC": json.dumps(aigc, separators=(",", ":")),
        "comment": f"AI-generated content (digital human) made with twincast {__version__}; id {content_id}",
        "ai_generated": "true",
        "ai_provider": "twincast",
        "ai_content_id": content_id,
        "encoder": f"twincast {__version__}",
    }
    if title:
        meta["title"] = title
    return meta
