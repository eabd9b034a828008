"""Video -> avatar: a few minutes of the person talking to camera become a ``.twin`` whose
look comes from the footage (an endless base loop of real idle motion and a library of real
mouth appearances), and whose voice comes from the footage's sound. See docs/video-avatar.md.
"""

from .probe import is_video

__all__ = ["is_video"]
