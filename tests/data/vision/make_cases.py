#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the synthetic golden cases' tracks.csv (frame,id,x,y,w,h): people as 40x90 boxes
walking at 10 fps with a fixed-seed wobble of a few pixels, as a detector's boxes wobble.
The expected counts in each case's expected.json are worked out by hand from the story
below, not from the counter. Run it again only to change a story."""
import os
import random

random.seed(7)
W, H = 40, 90


def walk(rows, pid, start_frame, path, wobble=3.0):
    """path: list of (x, y) foot points, one per frame."""
    for k, (fx, fy) in enumerate(path):
        jx, jy = random.uniform(-wobble, wobble), random.uniform(-wobble, wobble)
        rows.append((start_frame + k, pid, fx - W / 2 + jx, fy - H + jy, W, H))


def line(p, q, n):
    return [(p[0] + (q[0] - p[0]) * i / (n - 1), p[1] + (q[1] - p[1]) * i / (n - 1)) for i in range(n)]


def write(case, rows):
    os.makedirs(case, exist_ok=True)
    with open(os.path.join(case, "tracks.csv"), "w") as f:
        f.write("frame,id,x,y,w,h\n")
        for r in sorted(rows):
            f.write("%d,%d,%.1f,%.1f,%d,%d\n" % r)


# door_overhead: a 640x480 overhead view, door line (200,240)->(440,240).
# 6 people walk down through the door (in), 4 walk up (out); one lingers on the line for
# 3 s wobbling 5 px either way, then walks in (1 in); one walks down at x=560, beside the
# door and outside the segment (nothing); one walks in, turns round and walks out (1 in,
# 1 out). Expected: in 8, out 5.
rows = []
pid = 1
for k in range(6):
    walk(rows, pid, k * 12, line((240 + 30 * k, 120), (250 + 30 * k, 420), 30)); pid += 1
for k in range(4):
    walk(rows, pid, 5 + k * 15, line((260 + 40 * k, 430), (250 + 40 * k, 110), 28)); pid += 1
linger = line((320, 150), (320, 240), 10) + [(320 + random.uniform(-8, 8), 240 + (5 if i % 2 else -5)) for i in range(30)] + line((320, 240), (330, 400), 15)
walk(rows, pid, 100, linger, wobble=1.0); pid += 1
walk(rows, pid, 40, line((560, 100), (560, 420), 30)); pid += 1
walk(rows, pid, 150, line((300, 130), (300, 330), 15) + line((300, 330), (280, 120), 18)); pid += 1
write("door_overhead", rows)

# edge_line: a 640x480 frame, line (0,460)->(640,460), 20 px above the bottom edge. Five
# people walk down and out of the frame (their foot points end at most 18 px past the line,
# less than the usual band): 5 in. Two come up from the edge: 2 out.
rows = []
pid = 1
for k in range(5):
    walk(rows, pid, k * 8, line((100 + 100 * k, 300), (100 + 100 * k, 478), 20), wobble=1.5); pid += 1
for k in range(2):
    walk(rows, pid, 50 + k * 10, line((150 + 200 * k, 479), (150 + 200 * k, 330), 18), wobble=1.5); pid += 1
write("edge_line", rows)
