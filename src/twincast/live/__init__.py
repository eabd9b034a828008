"""Going live: the real-time show engine, its outputs (RTMP, viewer page, recording), the
operator console and analytics."""
