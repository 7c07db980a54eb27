//! The gemm-based convolution kernel against a naive loop: forward, input
//! gradient, weight gradient and (fused) bias gradient on random shapes covering every
//! configuration the ops catalogue allows (stride, asymmetric padding,
//! dilation, groups, depthwise, 1×n / n×1, 1×1), batches of one and more.

use archspace_candle::kernels::Conv2dOp;
use candle_core::{Device, Tensor, Var};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Case {
    op: Conv2dOp,
    batch: usize,
    channels: usize,
    filters: usize,
    h: usize,
    w: usize,
}

impl Case {
    fn out(&self) -> (usize, usize) {
        let Conv2dOp { kernel: (kh, kw), stride, dilation, pads, .. } = self.op;
        let eh = (kh - 1) * dilation + 1;
        let ew = (kw - 1) * dilation + 1;
        ((self.h + pads[0] + pads[1] - eh) / stride + 1, (self.w + pads[2] + pads[3] - ew) / stride + 1)
    }

    /// Input offset of output `(i, j)`, tap `(u, v)`, if inside the input.
    fn tap(&self, i: usize, j: usize, u: usize, v: usize) -> Option<(usize, usize)> {
        let o = &self.op;
        let y = (i * o.stride + u * o.dilation) as isize - o.pads[0] as isize;
        let x = (j * o.stride + v * o.dilation) as isize - o.pads[2] as isize;
        (y >= 0 && x >= 0 && y < self.h as isize && x < self.w as isize).then_some((y as usize, x as usize))
    }

    /// Naive forward, and the gradients of `sum(y · r)` for x and w, in f64.
    fn reference(&self, x: &[f32], w: &[f32], r: &[f32]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (oh, ow) = self.out();
        let (kh, kw) = self.op.kernel;
        let (cg, fg) = (self.channels / self.op.groups, self.filters / self.op.groups);
        let xi = |b: usize, c: usize, y: usize, x: usize| ((b * self.channels + c) * self.h + y) * self.w + x;
        let wi = |f: usize, c: usize, u: usize, v: usize| ((f * cg + c) * kh + u) * kw + v;
        let mut out = vec![0f64; self.batch * self.filters * oh * ow];
        let mut dx = vec![0f64; x.len()];
        let mut dw = vec![0f64; w.len()];
        for b in 0..self.batch {
            for f in 0..self.filters {
                let group = f / fg;
                for i in 0..oh {
                    for j in 0..ow {
                        let o = ((b * self.filters + f) * oh + i) * ow + j;
                        for c in 0..cg {
                            for u in 0..kh {
                                for v in 0..kw {
                                    if let Some((y, z)) = self.tap(i, j, u, v) {
                                        let (xk, wk) = (xi(b, group * cg + c, y, z), wi(f, c, u, v));
                                        out[o] += f64::from(x[xk]) * f64::from(w[wk]);
                                        dx[xk] += f64::from(r[o]) * f64::from(w[wk]);
                                        dw[wk] += f64::from(r[o]) * f64::from(x[xk]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (out, dx, dw)
    }
}

fn random_case(rng: &mut ChaCha8Rng, index: usize) -> Case {
    loop {
        let kernel = match index % 5 {
            0 => (1, 1),
            1 => (1, rng.random_range(2..=5)),
            2 => (rng.random_range(2..=5), 1),
            _ => (rng.random_range(1..=4), rng.random_range(1..=4)),
        };
        let stride = rng.random_range(1..=3);
        let dilation = rng.random_range(1..=2);
        let pads = if index.is_multiple_of(7) { [0; 4] } else { [(); 4].map(|_| rng.random_range(0..=2)) };
        let per_group = rng.random_range(1..=3);
        let groups = match index % 3 {
            0 => 1,
            1 => rng.random_range(2..=3),
            _ => 4, // depthwise when per_group == 1
        };
        let channels = per_group * groups;
        let filters = groups * rng.random_range(1..=3);
        let (h, w) = (rng.random_range(1..=9), rng.random_range(1..=9));
        let batch = if index.is_multiple_of(4) { 1 } else { rng.random_range(2..=4) };
        let case = Case { op: Conv2dOp { kernel, stride, dilation, pads, groups }, batch, channels, filters, h, w };
        let (eh, ew) = ((kernel.0 - 1) * dilation + 1, (kernel.1 - 1) * dilation + 1);
        if h + pads[0] + pads[1] >= eh && w + pads[2] + pads[3] >= ew {
            return case;
        }
    }
}

fn values(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

fn assert_close(got: &Tensor, want: &[f64], what: &str) {
    let got = got.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("values");
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((f64::from(*g) - w).abs() <= 1e-4 * (1.0 + w.abs()), "{what}: element {i}: {g} vs {w}");
    }
}

#[test]
fn conv_kernel_matches_a_naive_loop_forward_and_backward() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let dev = Device::Cpu;
    let mut seen = [false; 6];
    // Random small cases, then three with deep column matrices (many
    // channels); the first and third take the Winograd path (3×3, stride 1,
    // 32 channels and more, outputs of 14 × 14 and more), the third in all
    // three passes (also 32 filters and more) with asymmetric padding.
    let deep = [
        Case {
            op: Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4], groups: 1 },
            batch: 2,
            channels: 96,
            filters: 2,
            h: 10,
            w: 24,
        },
        Case {
            op: Conv2dOp { kernel: (3, 3), stride: 2, dilation: 2, pads: [2, 1, 2, 0], groups: 2 },
            batch: 3,
            channels: 160,
            filters: 4,
            h: 15,
            w: 40,
        },
        Case {
            op: Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads: [1, 0, 2, 1], groups: 1 },
            batch: 2,
            channels: 40,
            filters: 36,
            h: 15,
            w: 16,
        },
    ];
    let cases = (0..60).map(|index| random_case(&mut rng, index)).collect::<Vec<_>>();
    for (index, case) in cases.into_iter().chain(deep).enumerate() {
        let Conv2dOp { kernel, stride, dilation, groups, pads } = case.op;
        seen[0] |= stride > 1;
        seen[1] |= dilation > 1;
        seen[2] |= groups > 1 && case.channels == groups;
        seen[3] |= groups > 1 && case.channels > groups;
        seen[4] |= (kernel.0 == 1) != (kernel.1 == 1);
        seen[5] |= pads[0] != pads[1] || pads[2] != pads[3];
        let (oh, ow) = case.out();
        let x = values(&mut rng, case.batch * case.channels * case.h * case.w);
        let w = values(&mut rng, case.filters * case.channels / groups * kernel.0 * kernel.1);
        let r = values(&mut rng, case.batch * case.filters * oh * ow);
        let (mut want_y, want_dx, want_dw) = case.reference(&x, &w, &r);
        // Every other case adds a bias inside the kernel: y += b[f], db[f] = Σ r over batch and positions.
        let bias = (index % 2 == 1).then(|| values(&mut rng, case.filters));
        let mut want_db = vec![0f64; case.filters];
        if let Some(bias) = &bias {
            for (o, (y, r)) in want_y.iter_mut().zip(&r).enumerate() {
                let f = o / (oh * ow) % case.filters;
                *y += f64::from(bias[f]);
                want_db[f] += f64::from(*r);
            }
        }

        let xv = Var::from_vec(x, (case.batch, case.channels, case.h, case.w), &dev).expect("x");
        let wv = Var::from_vec(w, (case.filters, case.channels / groups, kernel.0, kernel.1), &dev).expect("w");
        let bv = bias.map(|b| Var::from_vec(b, case.filters, &dev).expect("bias"));
        let y = match &bv {
            Some(b) => xv.as_tensor().apply_op3(wv.as_tensor(), b.as_tensor(), case.op),
            None => xv.as_tensor().apply_op2(wv.as_tensor(), case.op),
        }
        .expect("forward");
        assert_eq!(y.dims(), &[case.batch, case.filters, oh, ow], "case {index}: shape");
        let r = Tensor::from_vec(r, y.shape(), &dev).expect("r");
        let grads = (&y * &r).and_then(|t| t.sum_all()?.backward()).expect("backward");
        let what = format!(
            "case {index} ({:?}, batch {}, {}→{} channels, {}x{})",
            case.op, case.batch, case.channels, case.filters, case.h, case.w
        );
        assert_close(&y, &want_y, &format!("{what}: forward"));
        assert_close(grads.get(xv.as_tensor()).expect("dx"), &want_dx, &format!("{what}: input gradient"));
        assert_close(grads.get(wv.as_tensor()).expect("dw"), &want_dw, &format!("{what}: weight gradient"));
        if let Some(b) = &bv {
            assert_close(grads.get(b.as_tensor()).expect("db"), &want_db, &format!("{what}: bias gradient"));
        }
    }
    assert_eq!(seen, [true; 6], "stride, dilation, depthwise, grouped, 1×n, asymmetric padding all covered");
}

#[test]
fn conv_kernel_rejects_a_weight_that_does_not_fit() {
    let dev = Device::Cpu;
    let x = Tensor::zeros((1, 3, 5, 5), candle_core::DType::F32, &dev).expect("x");
    let w = Tensor::zeros((4, 2, 3, 3), candle_core::DType::F32, &dev).expect("w");
    let op = Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4], groups: 1 };
    assert!(x.apply_op2(&w, op).is_err(), "2 weight channels for 3 input channels");
    let bad_stride = Conv2dOp { stride: 0, ..op };
    let w = Tensor::zeros((4, 3, 3, 3), candle_core::DType::F32, &dev).expect("w");
    assert!(x.apply_op2(&w, bad_stride).is_err(), "stride 0");
}

#[test]
fn fused_conv_relu_matches_conv_then_relu() {
    use archspace_candle::kernels::Conv2dReluOp;
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let dev = Device::Cpu;
    for (index, bias) in [(0, false), (1, true), (2, true)] {
        let case = random_case(&mut rng, index + 3);
        let Conv2dOp { kernel, groups, .. } = case.op;
        let x = Var::from_vec(
            values(&mut rng, case.batch * case.channels * case.h * case.w),
            (case.batch, case.channels, case.h, case.w),
            &dev,
        )
        .expect("x");
        let w = Var::from_vec(
            values(&mut rng, case.filters * case.channels / groups * kernel.0 * kernel.1),
            (case.filters, case.channels / groups, kernel.0, kernel.1),
            &dev,
        )
        .expect("w");
        let b = Var::from_vec(values(&mut rng, case.filters), case.filters, &dev).expect("b");
        let (oh, ow) = case.out();
        let r = Tensor::from_vec(
            values(&mut rng, case.batch * case.filters * oh * ow),
            (case.batch, case.filters, oh, ow),
            &dev,
        )
        .expect("r");
        let run = |fused: bool| {
            let y = match (bias, fused) {
                (true, true) => x.as_tensor().apply_op3(w.as_tensor(), b.as_tensor(), Conv2dReluOp(case.op)),
                (false, true) => x.as_tensor().apply_op2(w.as_tensor(), Conv2dReluOp(case.op)),
                (true, false) => x.as_tensor().apply_op3(w.as_tensor(), b.as_tensor(), case.op).and_then(|y| y.relu()),
                (false, false) => x.as_tensor().apply_op2(w.as_tensor(), case.op).and_then(|y| y.relu()),
            }
            .expect("forward");
            let grads = (&y * &r).and_then(|t| t.sum_all()?.backward()).expect("backward");
            let flat = |t: &Tensor| t.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("values");
            let mut all = vec![
                flat(&y),
                flat(grads.get(x.as_tensor()).expect("dx")),
                flat(grads.get(w.as_tensor()).expect("dw")),
            ];
            if bias {
                all.push(flat(grads.get(b.as_tensor()).expect("db")));
            }
            all
        };
        for (part, (a, b)) in run(true).iter().zip(run(false)).enumerate() {
            let want: Vec<f64> = b.iter().map(|v| f64::from(*v)).collect();
            let got = Tensor::new(a.as_slice(), &dev).expect("got");
            assert_close(&got, &want, &format!("case {index}, part {part} (y, dx, dw, db)"));
        }
    }
}

#[test]
fn network_fuses_a_relu_only_when_it_is_the_convolutions_only_reader() {
    use archspace_candle::ops::{self, Registry};
    use archspace_candle::{Kernels, Network, NetworkConfig};
    // conv → relu (fused) → conv, whose output feeds a relu and an add (not fused).
    let mut space = archspace_core::Space::build(|s| {
        let a = s.named("a").basic(ops::conv2d(4, 3))?;
        let ra = s.named("ra").basic(ops::relu())?;
        let b = s.named("b").basic(ops::conv2d(4, 3))?;
        let rb = s.named("rb").basic(ops::relu())?;
        let sum = s.named("sum").basic(ops::add(2))?;
        s.connect(a.output("out")?, ra.input("in")?)?;
        s.connect(ra.output("out")?, b.input("in")?)?;
        s.connect(b.output("out")?, rb.input("in")?)?;
        s.connect(rb.output("out")?, sum.input("in0")?)?;
        s.connect(b.output("out")?, sum.input("in1")?)?;
        Ok(s.border_of(&a, &sum))
    })
    .expect("space");
    let arch = space.freeze().expect("freezes");
    let x = Tensor::from_vec(values(&mut ChaCha8Rng::seed_from_u64(13), 2 * 3 * 6 * 6), (2, 3, 6, 6), &Device::Cpu)
        .expect("x");
    let outputs: Vec<Vec<f32>> = [Kernels::Native, Kernels::Candle]
        .into_iter()
        .map(|kernels| {
            let config = NetworkConfig { kernels, ..NetworkConfig::default() };
            let net = Network::build(&arch, &[3, 6, 6], &Registry::standard(), &config).expect("builds");
            let y = net.forward_t(&x, true).expect("forward");
            let grads = y.sqr().and_then(|t| t.sum_all()?.backward()).expect("backward");
            let mut all = y.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("y");
            for (_, var) in net.store().trainable_vars() {
                all.extend(
                    grads
                        .get(var.as_tensor())
                        .expect("gradient")
                        .flatten_all()
                        .and_then(|t| t.to_vec1::<f32>())
                        .expect("g"),
                );
            }
            all
        })
        .collect();
    let want: Vec<f64> = outputs[1].iter().map(|v| f64::from(*v)).collect();
    let got = Tensor::new(outputs[0].as_slice(), &Device::Cpu).expect("got");
    assert!(outputs[0].iter().any(|v| *v < 0.0), "the unfused conv output reaches the add with negative values");
    assert_close(&got, &want, "outputs and parameter gradients, ours vs candle's");
}
