"""Outputs: files (MP4), and later RTMP and the viewer page, all fed from one media clock."""
