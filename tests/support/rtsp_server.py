#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A real RTSP server for the camera tests: GStreamer's gst-rtsp-server (Debian's
gir1.2-gst-rtsp-server-1.0), serving an MJPEG AVI file as RTP/JPEG, looped, at its own frame
rate, on 127.0.0.1. Usage: rtsp_server.py PORT FILE. Prints "ready" once it listens; the
stream is rtsp://127.0.0.1:PORT/door."""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
port, path = sys.argv[1], sys.argv[2]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
# Decoded and encoded again: RTP/JPEG (RFC 2435) takes only baseline JPEGs that its payloader
# made itself. The pipeline clock paces the frames at the file's own rate.
factory.set_launch(f'( filesrc location="{path}" ! avidemux ! jpegdec ! videoconvert ! jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26 )')
factory.set_shared(True)
server.get_mount_points().add_factory("/door", factory)
if server.attach(None) == 0:
    sys.exit(f"rtsp_server: cannot listen on 127.0.0.1:{port}")
print("ready", flush=True)
GLib.MainLoop().run()
