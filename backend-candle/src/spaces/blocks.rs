//! Building blocks the paper spaces share: convolutions with batch norm and
//! ReLU, pools, heads.

use archspace::ports::{Fan, TypedOp};
use archspace::{Op, Param, search_space};

use crate::ops;

/// A `k×k` convolution without bias (batch norm follows), stride `stride`.
pub fn conv(filters: impl Into<Param>, kernel: i64, stride: impl Into<Param>) -> Op {
    ops::conv2d(filters, kernel).param("bias", false).param("stride", stride)
}

/// A `k×k` max pool, stride `stride`, `same` padding.
pub fn max_pool(kernel: i64, stride: impl Into<Param>) -> Op {
    ops::max_pool2d(kernel).param("stride", stride).param("padding", "same")
}

/// A `k×k` average pool, stride `stride`, `same` padding.
pub fn avg_pool(kernel: i64, stride: impl Into<Param>) -> Op {
    ops::avg_pool2d(kernel).param("stride", stride).param("padding", "same")
}

/// The sum of two inputs (channels truncated to the smaller count).
pub fn add2() -> TypedOp<Fan<2>> {
    TypedOp::fan_in(ops::add(2))
}

/// conv → batch norm → ReLU (stride 1).
#[search_space]
pub fn conv_bn_relu(filters: i64, kernel: i64) -> Space {
    let c = conv(filters, kernel, 1);
    let bn = ops::batch_norm();
    let act = ops::relu();
    connect!(c.out -> bn.in);
    connect!(bn.out -> act.in);
    expose!(c.in -> act.out)
}

/// ReLU → conv 1×1 → batch norm: NASNet's preprocessing of a cell input.
#[search_space]
pub fn relu_conv_bn(filters: i64) -> Space {
    let act = ops::relu();
    let c = conv(filters, 1, 1);
    let bn = ops::batch_norm();
    connect!(act.out -> c.in);
    connect!(c.out -> bn.in);
    expose!(act.in -> bn.out)
}

/// Global average pool → dense: a classifier head.
#[search_space]
pub fn pool_head(classes: i64) -> Space {
    let pool = ops::global_avg_pool();
    let logits = ops::dense(classes);
    connect!(pool.out -> logits.in);
    expose!(pool.in -> logits.out)
}

/// A `k×k` separable convolution without bias, stride `stride`.
pub fn separable(filters: impl Into<Param>, kernel: i64, stride: impl Into<Param>) -> Op {
    ops::separable_conv2d(filters, kernel).param("bias", false).param("stride", stride)
}

/// A 3×3 convolution of dilation 2 without bias, stride `stride`.
pub fn dilated3x3(filters: impl Into<Param>, stride: impl Into<Param>) -> Op {
    conv(filters, 3, stride).param("dilation", 2)
}

/// A 1×7 then 7×1 convolution without bias, stride `stride`.
pub fn factorized7(filters: impl Into<Param>, stride: impl Into<Param>) -> Op {
    ops::factorized_conv2d(filters, 7).param("bias", false).param("stride", stride)
}
