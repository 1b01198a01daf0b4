#!/usr/bin/env python3
"""Writes the IDX fixtures of the data-source hostile cases (run it in this
folder).

classes-count/  a valid set of 8x8 images labelled 0, 1 and 2 whose
                classes.txt names only two classes: baeum train must refuse
                it, naming the file and both counts.
classes-blank/  the same set whose classes.txt has an empty second line:
                refused naming the file and the line.
"""
import os
import struct


def images(labels, rows=8, cols=8):
    b = struct.pack('>IIII', 0x803, len(labels), rows, cols)
    for i, l in enumerate(labels):
        b += bytes((60 * l + (i + j) % 7) for j in range(rows * cols))
    return b


def label_file(labels):
    return struct.pack('>II', 0x801, len(labels)) + bytes(labels)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


train = [i % 3 for i in range(12)]
test = [i % 3 for i in range(6)]
for folder, classes in (('classes-count', b'cat\ndog\n'), ('classes-blank', b'cat\n\ndog\neel\n')):
    write(f'{folder}/train-images-idx3-ubyte', images(train))
    write(f'{folder}/train-labels-idx1-ubyte', label_file(train))
    write(f'{folder}/t10k-images-idx3-ubyte', images(test))
    write(f'{folder}/t10k-labels-idx1-ubyte', label_file(test))
    write(f'{folder}/classes.txt', classes)
