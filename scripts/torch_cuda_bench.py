"""PyTorch on a GPU: training and eval images/s of the reference nets, the
figures `train_bench --device cuda` is compared with (scripts/gpu-check).

The nets come from the project's CPU reference, ../shared/bench/torch_reference.py
(its `build`), so both benches time the same models; the training step is
the same too (AdamW lr 1e-3, cross-entropy, a pool of 8 fixed random
batches; zero_grad, forward, loss, backward, step), and eval is
model.eval(), no_grad, forward and argmax. Each window is timed between
torch.cuda.synchronize() calls after warm-up steps; the median over windows
is printed. PyTorch's defaults stay as they are (cuDNN convolutions with
TF32 allowed, which PyTorch enables by default): what a user would get.

    python3 scripts/torch_cuda_bench.py --reference ../shared/bench/torch_reference.py
    python3 scripts/torch_cuda_bench.py --reference gpu-bin/torch_reference.py --batch 64,256 --device cpu
"""
import argparse
import importlib.util
import statistics
import time


def load_reference(path):
    spec = importlib.util.spec_from_file_location("torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synchronize(device):
    import torch
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def windows(step, device, steps, count, batch):
    rates = []
    for _ in range(count):
        synchronize(device)
        start = time.perf_counter()
        for _ in range(steps):
            step()
        synchronize(device)
        rates.append(steps * batch / (time.perf_counter() - start))
    return statistics.median(rates), rates


def measure(reference, arch, batch, device, args):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    model = reference.build(arch).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    pool = [
        (torch.randn(batch, 1, 28, 28, generator=g).to(device), torch.randint(0, 10, (batch,), generator=g).to(device))
        for _ in range(8)
    ]
    it = [0]

    def train_step():
        x, y = pool[it[0] % len(pool)]
        it[0] += 1
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    def eval_step():
        x, _ = pool[it[0] % len(pool)]
        it[0] += 1
        with torch.no_grad():
            model(x).argmax(dim=1)

    model.train()
    for _ in range(args.warmup):
        train_step()
    train, train_all = windows(train_step, device, args.steps, args.windows, batch)
    model.eval()
    for _ in range(args.warmup):
        eval_step()
    evaluate, eval_all = windows(eval_step, device, 3 * args.steps, args.windows, batch)
    return train, evaluate, train_all, eval_all


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True, help="path of torch_reference.py (defines the nets)")
    ap.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu")
    ap.add_argument("--arch", default="net1,seed", help="comma list of net1, seed")
    ap.add_argument("--batch", default="64,256", help="comma list of batch sizes")
    ap.add_argument("--steps", type=int, default=20, help="training steps per timed window (eval: 3x)")
    ap.add_argument("--windows", type=int, default=5, help="timed windows per figure")
    ap.add_argument("--warmup", type=int, default=10, help="untimed steps before timing")
    args = ap.parse_args()

    import torch

    reference = load_reference(args.reference)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"# torch {torch.__version__}, device {device} ({name}), cuDNN {torch.backends.cudnn.version()}, "
          f"cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32}")
    for arch in args.arch.split(","):
        for batch in (int(b) for b in args.batch.split(",")):
            train, evaluate, train_all, eval_all = measure(reference, arch, batch, device, args)
            print(f"torch {arch} batch={batch} device={device}", flush=True)
            print(f"train img/s: {train:.1f}  (windows {[round(r) for r in train_all]})")
            print(f"eval img/s: {evaluate:.1f}  (windows {[round(r) for r in eval_all]})", flush=True)


if __name__ == "__main__":
    main()
