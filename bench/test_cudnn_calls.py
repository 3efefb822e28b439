"""Tests of bench/cudnn_calls.py on a log in cuDNN 8's API-logging format."""
import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout, redirect_stderr

sys.path.insert(0, os.path.dirname(__file__))
import cudnn_calls  # noqa: E402


def logged(function, version="8302"):
    return ["I! CuDNN (v%s) function %s() called:" % (version, function),
            "i!     handle: type=cudnnHandle_t; streamId=0x55d1;",
            "i! Time: 2026-12-05T10:00:00.000000 (0d+0h+0m+1s since start)",
            "i! Process=4242; Thread=4243; GPU=0; Handle=0x7f; StreamId=0x55d1.", ""]


def step(searches):
    """What one training step of a one-convolution network logs: a search per pass when searching on every call."""
    lines = []
    for f in ["cudnnSetTensor4dDescriptor", "cudnnSetFilter4dDescriptor"]:
        lines += logged(f)
    if searches:
        lines += logged("cudnnFindConvolutionForwardAlgorithm")
    lines += logged("cudnnConvolutionForward") + logged("cudnnAddTensor") + logged("cudnnPoolingForward")
    if searches:
        lines += logged("cudnnFindConvolutionBackwardDataAlgorithm") + logged("cudnnFindConvolutionBackwardFilterAlgorithm")
    lines += logged("cudnnPoolingBackward") + logged("cudnnConvolutionBackwardData") + logged("cudnnConvolutionBackwardFilter")
    lines += logged("cudnnConvolutionBackwardBias") + logged("cudnnGetConvolutionForwardWorkspaceSize")
    return lines


class CudnnCallsTest(unittest.TestCase):
    def test_counts_each_group_per_step(self):
        groups = cudnn_calls.grouped(cudnn_calls.count(step(True) * 4))
        self.assertEqual(12, groups["algorithm searches (cudnnFind*: each runs and times every algorithm)"])
        self.assertEqual(4, groups["convolution forward"])
        self.assertEqual(4, groups["convolution backward data"])
        self.assertEqual(4, groups["convolution backward filter"])
        self.assertEqual(4, groups["convolution backward bias"])
        self.assertEqual(4, groups["bias add (cudnnAddTensor)"])
        self.assertEqual(4, groups["pooling forward"])
        self.assertEqual(4, groups["pooling backward"])
        self.assertEqual(4, groups["workspace size queries"])
        self.assertEqual(8, groups["other (descriptors, handles, streams)"])

    def test_searching_once_per_shape_shows_as_fewer_searches_per_step(self):
        log = step(True) + step(False) * 9
        table = cudnn_calls.table(cudnn_calls.grouped(cudnn_calls.count(log)), 10)
        self.assertIn("| algorithm searches (cudnnFind*: each runs and times every algorithm) | 3 | 0.30 |", table)
        self.assertIn("| convolution forward | 10 | 1.00 |", table)

    def test_only_call_headers_count_not_parameter_lines_naming_functions(self):
        lines = logged("cudnnConvolutionForward") + ["i!     algo: type=cudnnConvolutionFwdAlgo_t; val=CUDNN_CONVOLUTION_FWD_ALGO_GEMM (1);",
                                                      "i! function cudnnConvolutionForward() called: not a header"]
        self.assertEqual({"cudnnConvolutionForward": 1}, dict(cudnn_calls.count(lines)))

    def test_command_line_errors_are_clear(self):
        with tempfile.TemporaryDirectory() as d:
            empty = os.path.join(d, "empty.log")
            open(empty, "w").close()
            err = io.StringIO()
            with redirect_stderr(err):
                self.assertEqual(3, cudnn_calls.main([empty, "100"]))
            self.assertIn("no cuDNN calls in " + empty, err.getvalue())
            with redirect_stderr(io.StringIO()):
                self.assertEqual(2, cudnn_calls.main([os.path.join(d, "missing.log"), "100"]))
            log = os.path.join(d, "run.log")
            with open(log, "w") as f:
                f.write("\n".join(step(True) * 2))
            out = io.StringIO()
            with redirect_stdout(out):
                self.assertEqual(0, cudnn_calls.main([log, "2", "--json"]))
            self.assertIn('"convolution forward": 2', out.getvalue())


if __name__ == "__main__":
    unittest.main()
