"""Writes the hostile text files of this folder (run from it):

binary.bin     bytes of an executable's header: NULs and invalid UTF-8
long-line.txt  two words, then a line of 10,000 letters
control.txt    words, one with a tab inside
one-line.txt   a single word: nothing to hold out for testing
"""

with open("binary.bin", "wb") as f:
    f.write(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) + b"\n")
with open("long-line.txt", "w") as f:
    f.write("dog\ncat\n" + "a" * 10000 + "\n")
with open("control.txt", "w") as f:
    f.write("dog\ncat\nbi\trd\n")
with open("one-line.txt", "w") as f:
    f.write("lonely\n")
