#!/usr/bin/env python3
"""How fast can the detector alone go on this machine? The ceiling under lineup's pipeline.

lineup's whole pipeline runs at about 0.95 of its model-only floor, and four fifths of that floor
is CenterFace at lineup's video input (960x544). This script times that one model run, on real
frames of the benchmark clip, the ways one could run it:

- ONNX Runtime (the pinned 1.32.0), one thread and two threads (lineup's setting): how much a
  second core already gives; and two one-thread sessions side by side on alternate frames, each
  in its own thread (ONNX Runtime lets go of Python's lock while it runs);
- OpenVINO's CPU plugin at 32-bit float, when the `openvino` package is installed (another
  kernel library for the same model and the same arithmetic);
- ONNX Runtime on an 8-bit copy of the model (static quantisation, calibrated on the first
  frames), with how far its detections move from the 32-bit model's: the speed a quantised
  detector would buy, and what it would cost in changed results.

Prints one JSON object of milliseconds per frame (the median of the rounds) and the agreement.
Run by ./scripts/bench ceiling, which installs the pinned packages into vendor/bench-python.
"""
import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from reference_pipeline import SCORE_THRESHOLD, detector_input

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "centerface.onnx"
INPUT = "input.1"


def frames(video, count, max_side=960):
    """The first `count` frames scaled and padded as lineup's video analysis feeds the detector."""
    capture = cv2.VideoCapture(str(video))
    tensors = []
    while len(tensors) < count:
        ok, bgr = capture.read()
        if not ok:
            break
        tensors.append(detector_input(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), max_side)[0])
    if not tensors:
        raise SystemExit(f"no frames could be read from {video}")
    return tensors


def onnxruntime_session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return lambda x: session.run(None, {INPUT: x})


def openvino_runner(threads, shape):
    try:
        import openvino
    except ImportError:
        return None
    core = openvino.Core()
    model = core.read_model(str(MODEL))
    model.reshape({INPUT: list(shape)})
    compiled = core.compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": threads,
                                                 "INFERENCE_PRECISION_HINT": "f32",
                                                 "PERFORMANCE_HINT": "LATENCY"})
    request = compiled.create_infer_request()

    def run(x):
        request.infer({0: x})
        return [request.get_output_tensor(i).data.copy() for i in range(len(compiled.outputs))]
    return run


def side_by_side(runs):
    """One run over all the frames that hands them out in turn to `runs`, each on its own thread."""
    def run_all(tensors):
        threads = [threading.Thread(target=lambda run, share: [run(x) for x in share],
                                    args=(run, tensors[i::len(runs)])) for i, run in enumerate(runs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return run_all


def quantised_model(tensors, directory):
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Frames(CalibrationDataReader):
        def __init__(self):
            self.remaining = iter(tensors)

        def get_next(self):
            tensor = next(self.remaining, None)
            return None if tensor is None else {INPUT: tensor}

    prepared, quantised = Path(directory) / "prepared.onnx", Path(directory) / "int8.onnx"
    quant_pre_process(str(MODEL), str(prepared), skip_symbolic_shape=True)
    quantize_static(str(prepared), str(quantised), Frames(), quant_format=QuantFormat.QOperator,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    per_channel=True)
    return quantised


def milliseconds(run, tensors, rounds, run_all=None):
    """Median over `rounds` of the time per frame; `run_all` runs a whole round its own way."""
    run_all = run_all or (lambda frames: [run(x) for x in frames])
    run_all(tensors[:2])  # the first runs plan memory and compile kernels
    per_round = []
    for _ in range(rounds):
        started = time.perf_counter()
        run_all(tensors)
        per_round.append((time.perf_counter() - started) / len(tensors) * 1000)
    return round(statistics.median(per_round), 1)


def agreement(reference, candidate, tensors):
    """How the candidate's heatmap peaks compare with the reference's over the given frames."""
    kept = found = 0
    worst = 0.0
    for tensor in tensors:
        want, got = reference(tensor)[0][0, 0], candidate(tensor)[0][0, 0]
        peaks = want > SCORE_THRESHOLD
        found += int(peaks.sum())
        kept += int((got[peaks] > SCORE_THRESHOLD).sum())
        if peaks.any():
            worst = max(worst, float(np.abs(want[peaks] - got[peaks]).max()))
    return {"peaks_above_threshold": found, "kept": kept, "worst_peak_score_change": round(worst, 4)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", required=True, help="the benchmark clip")
    parser.add_argument("--frames", type=int, default=24, help="frames timed per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    tensors = frames(args.video, args.frames)
    two_threads = onnxruntime_session(MODEL, 2)
    result = {"input": list(tensors[0].shape), "frames": len(tensors),
              "onnxruntime_1_thread_ms": milliseconds(onnxruntime_session(MODEL, 1), tensors, args.rounds),
              "onnxruntime_2_threads_ms": milliseconds(two_threads, tensors, args.rounds)}
    pair = side_by_side([onnxruntime_session(MODEL, 1), onnxruntime_session(MODEL, 1)])
    result["onnxruntime_two_1_thread_sessions_ms"] = milliseconds(None, tensors, args.rounds, pair)
    openvino = openvino_runner(2, tensors[0].shape)
    if openvino is None:
        result["openvino_f32_2_threads_ms"] = "not installed"
    else:
        result["openvino_f32_2_threads_ms"] = milliseconds(openvino, tensors, args.rounds)
        result["openvino_f32_agreement"] = agreement(two_threads, openvino, tensors)
    with tempfile.TemporaryDirectory() as directory:
        int8 = onnxruntime_session(quantised_model(tensors, directory), 2)
        result["onnxruntime_int8_2_threads_ms"] = milliseconds(int8, tensors, args.rounds)
        result["int8_agreement"] = agreement(two_threads, int8, tensors)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
