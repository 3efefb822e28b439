"""Tests of the PyTorch reference on the CPU (its result record and its validation pass) and of the workload matching
of bench/compare-with-pytorch.sh. The reference's tests need PyTorch; without it they are skipped with a message
saying so. Run them with the Python whose PyTorch is in question: python3 -m unittest discover -v -s bench/reference
(.ci/run installs Debian's python3-torch and runs them with /usr/bin/python3)."""
import contextlib
import io
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "pytorch_cifar10.py")
JAVA_RECORD = os.path.join(HERE, "..", "..", "src", "main", "java", "dev", "cifar10", "bench", "BenchRecord.java")
sys.path.insert(0, HERE)
import match_workload  # noqa: E402 (the standard library only: runs without PyTorch)

try:
    import torch  # noqa: F401
    NO_TORCH = None
except ImportError:
    NO_TORCH = (f"PyTorch is not installed for {sys.executable}: the PyTorch reference's tests did NOT run "
                "(on Debian: apt-get install python3-torch libopenblas0-pthread)")
    sys.stderr.write(f"\n*** SKIPPED: {NO_TORCH}\n\n")

TINY = ["--device", "cpu", "--data", "synthetic", "--max-train-images", "120", "--warmup-steps", "1"]


def reference(*args, env=None):
    merged = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=600,
                          env={k: v for k, v in merged.items() if v is not None})


@unittest.skipIf(NO_TORCH, NO_TORCH)
class ReferenceRecordOnCpu(unittest.TestCase):
    def run_to_record(self, *args, env=None):
        with tempfile.TemporaryDirectory() as tmp:
            results = os.path.join(tmp, "r.jsonl")
            done = reference(*TINY, *args, "--results", results, env=env)
            self.assertEqual(0, done.returncode, done.stderr)
            with open(results) as f:
                lines = f.read().splitlines()
        self.assertEqual(1, len(lines), "one JSON line per run")
        return json.loads(lines[0]), done.stdout

    def test_record_has_the_java_schema_its_thread_count_and_keras_epoch(self):
        r, out = self.run_to_record("--epochs", "3", "--threads", "1", "--label", "unit test")
        self.assertEqual(("cifar10-dl4j/bench-record", 1), (r["schema"], r["schemaVersion"]))
        self.assertEqual("pytorch", r["framework"]["name"])
        self.assertEqual("cpu", r["backend"]["name"])
        self.assertEqual(1, r["backend"]["threads"], "the thread count it ran with is recorded")
        self.assertIsNone(r["gpu"])
        self.assertIsNone(r["memory"]["peakGpuBytes"])
        self.assertEqual("float32", r["dataType"])
        self.assertEqual(32, r["batchSize"])
        self.assertEqual({"trainImages": 84, "validationImages": 36}, {k: r["data"][k] for k in ("trainImages", "validationImages")})
        self.assertEqual(3, len(r["epochs"]))
        self.assertEqual(3, r["epochs"][0]["steps"], "84 images at batch 32: 2 whole batches and a partial one")
        ips = statistics.median(e["imagesPerSecond"] for e in r["epochs"])
        self.assertAlmostEqual(ips, r["median"]["imagesPerSecond"])
        for e in r["epochs"]:
            self.assertAlmostEqual(e["seconds"], e["trainSeconds"] + e["validationSeconds"])
        n = r["notebookEpoch"]
        self.assertEqual((35000, 15000), (n["trainImages"], n["validationImages"]))
        self.assertAlmostEqual(35000 / ips, n["trainSeconds"])
        self.assertAlmostEqual(35000 / ips + 15000 / r["median"]["validationImagesPerSecond"], n["kerasEpochSeconds"])
        self.assertIn("as Keras counts it", out)
        self.assertEqual("unit test", r["label"])
        self.assertEqual(torch.__version__, r["framework"]["version"], "which PyTorch ran is recorded")
        self.assertEqual(sys.executable, r["backend"]["settings"]["python"])
        self.assertEqual(256, r["backend"]["settings"]["evalBatchSize"])
        faults = r["backend"]["settings"]["minorPageFaultsPerImage"]
        self.assertEqual((3, 3), (len(faults["train"]), len(faults["validation"])), "one count per timed epoch and phase")
        self.assertTrue(all(f >= 0 for f in faults["train"] + faults["validation"]))

    def test_record_names_the_malloc_and_its_tuning(self):
        r, _ = self.run_to_record("--epochs", "1", "--threads", "1", env={"LD_PRELOAD": None, "MALLOC_ARENA_MAX": "2"})
        allocator = r["backend"]["settings"]["memoryAllocator"]
        self.assertEqual("glibc malloc", allocator["library"])
        self.assertEqual("2", allocator["environment"]["MALLOC_ARENA_MAX"])

    def test_record_holds_only_fields_the_java_reader_knows_in_its_nested_objects(self):
        # report (BenchResults) skips a record whose epoch, median, ... object has a field BenchRecord.java lacks
        with open(JAVA_RECORD) as f:
            java = f.read()
        components = {name: {p.split()[-1] for p in params.split(",")}
                      for name, params in re.findall(r"public record (\w+)\(([^)]*)\)", java)}
        r, _ = self.run_to_record("--epochs", "1", "--threads", "1")
        nested = {"framework": "Framework", "project": "Project", "host": "Host", "backend": "Backend", "data": "Data",
                  "median": "Median", "spread": "Spread", "notebookEpoch": "NotebookEpoch", "memory": "Memory"}
        for key, java_type in nested.items():
            with self.subTest(key=key):
                self.assertLessEqual(set(r[key]), components[java_type])
        for row in r["epochs"]:
            self.assertLessEqual(set(row), components["Epoch"])

    def test_bf16_autocast_and_channels_last_are_named_in_the_data_type(self):
        r, _ = self.run_to_record("--epochs", "1", "--threads", "1", "--amp", "bf16", "--channels-last")
        self.assertEqual("bfloat16-autocast, channels-last", r["dataType"])
        self.assertEqual({"amp": "bf16", "channelsLast": True, "cudaGraphs": False},
                         {k: r["backend"]["settings"][k] for k in ("amp", "channelsLast", "cudaGraphs")})
        self.assertTrue(math.isfinite(r["median"]["imagesPerSecond"]))

    def test_default_thread_count_is_dl4js_not_pytorchs(self):
        # PyTorch alone takes 1 thread on a 2-vCPU machine where DL4J takes 2: the reference must take DL4J's
        r, _ = self.run_to_record("--epochs", "1", env={"OMP_NUM_THREADS": None})
        self.assertEqual(len(os.sched_getaffinity(0)), r["backend"]["threads"])
        r, _ = self.run_to_record("--epochs", "1", env={"OMP_NUM_THREADS": "1"})
        self.assertEqual(1, r["backend"]["threads"])
        import pytorch_cifar10 as ref
        with mock.patch.dict(os.environ, {"OMP_NUM_THREADS": ""}):
            self.assertEqual(len(os.sched_getaffinity(0)), ref.default_threads())
        with mock.patch.dict(os.environ, {"OMP_NUM_THREADS": "3"}):
            self.assertEqual(3, ref.default_threads())

    def test_impossible_requests_exit_2_with_the_reason(self):
        cases = [(["--cuda-graphs"], "--cuda-graphs needs --device cuda"),
                 (["--amp", "fp16"], "on the CPU use --amp bf16"),
                 (["--epochs", "0"], "--epochs must be 1 or more"),
                 (["--max-train-images", "3"], "too few to split")]
        if not torch.cuda.is_available():
            cases.append((["--device", "cuda"], "torch.cuda.is_available() is False"))
        for args, reason in cases:
            with self.subTest(args=args):
                done = reference(*TINY, *args)
                self.assertEqual(2, done.returncode, done.stderr)
                self.assertIn(reason, done.stderr)
                self.assertNotIn("Traceback", done.stderr)

    def test_cudnn_versions_of_both_encodings(self):
        import pytorch_cifar10 as ref
        with mock.patch("torch.backends.cudnn.version", return_value=8302):
            self.assertEqual("8.3.2", ref.cudnn_version())
        with mock.patch("torch.backends.cudnn.version", return_value=91900):
            self.assertEqual("9.19.0", ref.cudnn_version())



@unittest.skipIf(NO_TORCH, NO_TORCH)
class ValidationPass(unittest.TestCase):
    def test_validation_is_forward_only_in_eval_and_inference_mode_at_the_evaluation_batch_size(self):
        # What a PyTorch user writes to evaluate, and what DL4J's side does: dropout off, no autograd, the
        # evaluation batch size (not the training one), every validation image once per pass
        import pytorch_cifar10 as ref
        calls = []

        def recorded_cnn(*args, **kwargs):
            net = real_cnn(*args, **kwargs)
            net.register_forward_pre_hook(lambda m, inputs: calls.append(
                (m.training, torch.is_grad_enabled(), torch.is_inference_mode_enabled(), inputs[0].shape[0])))
            return net

        real_cnn = ref.notebook_cnn
        a = ref.parse_args([*TINY, "--warmup-steps", "0", "--epochs", "2", "--threads", "1", "--eval-batch-size", "16"])
        with mock.patch.object(ref, "notebook_cnn", recorded_cnn), contextlib.redirect_stdout(io.StringIO()) as out:
            ref.run(a)
        training = (True, True, False)
        validation = (False, False, True)  # eval mode, grad off, inference mode
        # 84 training images at batch 32, then the 36 validation images at 16: per epoch
        self.assertEqual(2 * ([(*training, 32), (*training, 32), (*training, 20)]
                              + [(*validation, 16), (*validation, 16), (*validation, 4)]), calls)
        self.assertRegex(out.getvalue(), r"images/s validation \(loss \d+\.\d+, accuracy 0\.\d+\)")

    def test_evaluation_returns_the_mean_loss_and_the_accuracy(self):
        import pytorch_cifar10 as ref
        logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
        labels = torch.tensor([0, 0, 0])

        class Fixed(torch.nn.Module):
            def forward(self, x):
                return logits[x]

        loss, accuracy = ref.evaluate(Fixed(), lambda idx: (idx, labels[idx]), torch.arange(3), 2, contextlib.nullcontext)
        self.assertAlmostEqual(torch.nn.functional.cross_entropy(logits, labels).item(), loss, places=6)
        self.assertAlmostEqual(2 / 3, accuracy)


def dl4j_record(**changes):
    """A DL4J bench record as the Java side writes it, the workload shrunk to test size."""
    r = {"schema": "cifar10-dl4j/bench-record", "schemaVersion": 1, "framework": {"name": "deeplearning4j", "version": "1.0.0-M2.1"},
         "backend": {"name": "cpu", "threads": 1, "settings": {"evalBatchSize": 8}}, "batchSize": 16,
         "data": {"source": "synthetic (seed 777)", "trainImages": 84, "validationImages": 36},
         "imagesPerEpoch": 84, "warmupSteps": 0, "epochs": [{"epoch": 1}]}
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = r
        for p in parents:
            target = target[p]
        target[leaf] = value
    return json.dumps(r)


class WorkloadMatching(unittest.TestCase):
    def test_reference_options_reproduce_dl4js_workload(self):
        options = match_workload.reference_options(dl4j_record(backend__threads=2, warmupSteps=1000, batchSize=32,
                                                               epochs=[{}, {}, {}]))
        self.assertEqual(["--device", "cpu", "--data", "synthetic", "--threads", 2, "--warmup-steps", 1000, "--batch-size", 32,
                          "--eval-batch-size", 8, "--epochs", 3, "--max-train-images", 120], options)

    def test_workloads_pytorch_cannot_reproduce_are_refused_with_the_reason(self):
        cases = [(dl4j_record(data__source="/data/cifar-10-batches-bin"), "synthetic bench workload only"),
                 (dl4j_record(imagesPerEpoch=32), "--max-train-images instead"),
                 (dl4j_record(backend__threads=None), "threads"),
                 ('{"schema": "other"}', "not a cifar10-dl4j bench record"),
                 ("not json", "not a JSON record")]
        for line, reason in cases:
            with self.subTest(reason=reason), self.assertRaises(match_workload.Mismatch) as caught:
                match_workload.reference_options(line)
            self.assertIn(reason, str(caught.exception))

    def test_check_names_every_difference(self):
        self.assertEqual([], match_workload.differences(dl4j_record(), dl4j_record()))
        self.assertEqual(["threads: DL4J 1, PyTorch 2", "evaluation batch size: DL4J 8, PyTorch 256"],
                         match_workload.differences(dl4j_record(), dl4j_record(backend__threads=2,
                                                                               backend__settings={"evalBatchSize": 256})))
        with contextlib.redirect_stderr(io.StringIO()) as err:
            self.assertEqual(1, match_workload.main(["check", dl4j_record(), dl4j_record(batchSize=32)]))
        self.assertIn("batch size: DL4J 16, PyTorch 32", err.getvalue())

    @unittest.skipIf(NO_TORCH, NO_TORCH)
    def test_the_reference_run_with_those_options_states_dl4js_workload(self):
        dl4j = dl4j_record(warmupSteps=2, epochs=[{}, {}])
        with tempfile.TemporaryDirectory() as tmp:
            results = os.path.join(tmp, "r.jsonl")
            options = [str(o) for o in match_workload.reference_options(dl4j)]
            done = reference(*options, "--results", results)
            self.assertEqual(0, done.returncode, done.stderr)
            with open(results) as f:
                torch_line = f.read().splitlines()[-1]
        self.assertEqual([], match_workload.differences(dl4j, torch_line))


if __name__ == "__main__":
    unittest.main()
