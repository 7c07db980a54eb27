//! The NAS-Bench-201 cell (Dong & Yang, ICLR 2020) in the DSL: four nodes;
//! every edge `(i, j)`, `i < j`, is one of five operations; node `j` sums
//! its incoming edges; node 1 is the cell's input and node 4 its output.
//!
//! Each edge is an `or` whose alternatives are listed in NAS-Bench-201's
//! code order (0 `skip_connect`, 1 `none`, 2 `nor_conv_3x3`, 3
//! `nor_conv_1x1`, 4 `avg_pool_3x3`), so the decision of edge `(i, j)`,
//! at path `e{i}{j}/op/idx`, is the operation's code in a tabular
//! benchmark's row.

use archspace::ports::{Fan, Siso, TypedOp};
use archspace::{Op, search_space};

/// The decision path of each edge, in the column order of the AnalogNAS-Bench
/// table (`e0` … `e5`): (1,2), (1,3), (1,4), (2,3), (2,4), (3,4).
pub const EDGE_PATHS: [&str; 6] = ["e12/op/idx", "e13/op/idx", "e14/op/idx", "e23/op/idx", "e24/op/idx", "e34/op/idx"];

fn operation(name: &'static str) -> TypedOp<Siso> {
    TypedOp::siso(Op::new(name))
}

fn sum<const N: usize>() -> TypedOp<Fan<N>> {
    TypedOp::fan_in(Op::new("add"))
}

/// One edge: one of the five operations.
#[search_space]
pub fn edge() -> Space {
    let op = or(
        || operation("skip_connect"),
        || operation("none"),
        || operation("nor_conv_3x3"),
        || operation("nor_conv_1x1"),
        || operation("avg_pool_3x3"),
    );
    expose!(op.in -> op.out)
}

/// The cell: 5⁶ = 15,625 architectures.
#[search_space]
pub fn cell() -> Space {
    let node1 = identity();
    let e12 = edge();
    let e13 = edge();
    let e14 = edge();
    let e23 = edge();
    let e24 = edge();
    let e34 = edge();
    let node3 = sum::<2>();
    let node4 = sum::<3>();
    connect!(node1.out -> e12.in, e13.in, e14.in);
    connect!(e12.out -> e23.in, e24.in);
    connect!(e13.out -> node3.in0);
    connect!(e23.out -> node3.in1);
    connect!(node3.out -> e34.in);
    connect!(e14.out -> node4.in0);
    connect!(e24.out -> node4.in1);
    connect!(e34.out -> node4.in2);
    expose!(node1.in -> node4.out)
}
