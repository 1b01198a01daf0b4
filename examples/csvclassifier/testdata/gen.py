#!/usr/bin/python3
"""Writes blobs.csv: 300 points in three noisy 2-D clusters, plus a noise
feature, with their cluster as the class. Deterministic.

    /usr/bin/python3 examples/csvclassifier/testdata/gen.py > examples/csvclassifier/testdata/blobs.csv
"""
import math
import random

random.seed(7)
centres = [(0.0, 0.0), (3.0, 1.0), (1.0, 3.5)]
print("x1,x2,noise,class")
for i in range(300):
    c = random.randrange(3)
    x, y = centres[c]
    print("%.4f,%.4f,%.4f,%d" % (random.gauss(x, 0.8), random.gauss(y, 0.8), random.gauss(0, 1), c))
