#!/usr/bin/env python3
"""Writes the IDX fixtures of the CLI hostile cases (run it in this folder).

idx100/      a valid MNIST-format data set of 100x100 images: 12 training
             and 4 test images, each a vertical bar whose position is its
             label. baeum train must train on it (the model takes its
             input size from the data), not panic.
idx28-test/  a 28x28 test split: copied beside idx100's training split it
             makes a data set whose splits differ in size, which baeum
             train must refuse naming both sizes.
"""
import gzip
import os
import struct


def images(n, rows, cols):
    b = struct.pack('>IIII', 0x803, n, rows, cols)
    for i in range(n):
        row = bytes(255 if abs(x - (10 + 8 * (i % 10))) < 4 else 0 for x in range(cols))
        b += row * rows
    return b


def labels(n):
    return struct.pack('>II', 0x801, n) + bytes(i % 10 for i in range(n))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(gzip.compress(data, 9, mtime=0))  # mtime 0: the same bytes every time


for split, n in (('train', 12), ('t10k', 4)):
    write(f'idx100/{split}-images-idx3-ubyte.gz', images(n, 100, 100))
    write(f'idx100/{split}-labels-idx1-ubyte.gz', labels(n))
write('idx28-test/t10k-images-idx3-ubyte.gz', images(4, 28, 28))
write('idx28-test/t10k-labels-idx1-ubyte.gz', labels(4))
