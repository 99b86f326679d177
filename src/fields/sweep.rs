//! The fused red-black relaxation sweep shared by the backward-Euler step and the
//! multigrid smoother: a fixed number of red-black SOR iterations of
//!
//! ```text
//! (alpha cap_i + beta k_i + r a_i A_i) c_i - r a_i sum_f a_f c_f = gamma cap_i c0_i + beta S_i
//! ```
//!
//! in place, in one pass over memory, for several species.
//!
//! Here `c0` is the field on entry (the old field of a time step; it is also the first
//! iterate), `A_i = sum_f a_f`, and a face on the domain boundary has `a_f = a_ghost`
//! (0 no flux, 2 fixed value) and `a_f c_f = u_ghost`.
//!
//! **Potential form.** With `u = a c` the SOR update of cell `i` is
//! `u_i <- max(floor, (1 - w) u_i + bq_i + qq_i * (sum of the six neighbours' u))`, where
//! `bq` and `qq` fold the diagonal, the right-hand side and the relaxation factor `w`:
//! a constant-coefficient 7-point sum and two multiply-adds per update, whatever the
//! geometry. Bone cells with `a = 0` keep `u = 0` and are written back from their own
//! decoupled equation.
//!
//! **One memory pass.** Each thread owns a slab of z-planes and streams it through a
//! window of `2n + 2` planes (n iterations): a plane enters (copy-in: coefficients from
//! the field, source, uptake and geometry, split into even-x and odd-x half-rows so
//! that the cells of one colour are contiguous and a half-sweep computes only the cells
//! it updates), half-sweep `h` runs one plane behind half-sweep `h - 1`, and a plane
//! leaves (write-back, `c = u / a`) after its last half-sweep. Every field is read once
//! and written once per call; the window holds 12 bytes per cell of a plane in f32 for
//! `2n + 2` planes (1.3 MB for 100 x 100 planes and 4 iterations: an L2 cache on
//! cores with 2 MB of it, the L3 cache on the 1 MB-L2 cores this was measured on).
//!
//! **Determinism.** Neighbouring slabs overlap by `2n` halo planes whose old values are
//! copied before the pass and recomputed redundantly (the valid region shrinks by one
//! plane per half-sweep). Each cell's value after each half-sweep is the same function
//! of the entry field whichever slab computes it, and the iteration count is fixed
//! before the pass, so results are bit-identical for any thread count. Fused
//! multiply-adds are written explicitly (never left to the compiler), so the AVX2+FMA
//! build of the kernels (selected at run time) gives the same bits as the portable one,
//! which computes each fused multiply-add in the math library.

use std::ops::{Add, Div, Mul, Sub};

use rayon::prelude::*;

use crate::grid::Dims;

use super::grid::CAP_MIN;

/// Floating-point element type of a sweep (f32 for time steps, f64 for the steady
/// solver).
pub(crate) trait Real:
    Copy
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + 'static
{
    /// 0.
    const ZERO: Self;
    /// Conversion from f32 (exact for f64).
    fn from_f32(v: f32) -> Self;
    /// Bytes of one value.
    const BYTES: usize;
    /// Conversion to f64 (exact).
    fn to_f64(self) -> f64;
    /// `self * a + b` with one rounding (a fused multiply-add: one instruction where
    /// the CPU has it, the same bits from the portable library routine elsewhere).
    fn mul_add(self, a: Self, b: Self) -> Self;
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    const BYTES: usize = 4;
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f32::mul_add(self, a, b)
    }
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    const BYTES: usize = 8;
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        f64::from(v)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f64::mul_add(self, a, b)
    }
}

/// Coefficients of one species' system (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Coeffs<T> {
    pub alpha: T,
    pub beta: T,
    pub gamma: T,
    pub r: T,
    /// Relaxation factor.
    pub omega: T,
    /// Lower bound of the result (0 keeps a concentration non-negative; negative
    /// infinity for corrections, which may have either sign). Applied when a plane is
    /// written back, not to the iterates: the converged solution of these M-matrix
    /// systems is non-negative, so the bound only removes transient undershoot.
    pub floor: T,
    /// Conductance factor of a boundary ghost face.
    pub a_ghost: T,
    /// Potential `a_ghost * c_b` of a boundary ghost face.
    pub u_ghost: T,
    /// Red-black iterations.
    pub iterations: usize,
}

/// Asymptotic error reduction per iteration of red-black SOR with factor `omega` at
/// or above its optimum.
pub(crate) fn sor_rate(omega: f64) -> f64 {
    omega - 1.0
}

/// Read-only inputs of one species.
pub(crate) struct SpeciesInput<'a, T> {
    /// Source term `S`, one value per cell.
    pub source: &'a [T],
    /// First-order uptake rate `k` per cell (absent: 0).
    pub uptake: Option<&'a [f32]>,
    /// The system's coefficients.
    pub coeffs: Coeffs<T>,
}

/// Scratch kept between calls: one window and one halo store per slab.
pub(crate) struct Scratch<T> {
    windows: Vec<Window<T>>,
    halos: Vec<Vec<T>>,
}

impl<T> Default for Scratch<T> {
    fn default() -> Self {
        Self {
            windows: Vec::new(),
            halos: Vec::new(),
        }
    }
}

impl<T: Real> Scratch<T> {
    /// Bytes held.
    pub fn bytes(&self) -> usize {
        let w: usize = self.windows.iter().map(Window::bytes).sum();
        let h: usize = self.halos.iter().map(|v| v.capacity() * T::BYTES).sum();
        w + h
    }
}

/// Owned planes `[z0, z1)` of one slab.
#[derive(Clone, Copy, Debug)]
struct Slab {
    z0: usize,
    z1: usize,
}

/// Slabs for `threads` workers: as many as threads while each is at least
/// `min_planes` thick (so recomputed halos stay a small fraction of the work).
fn slabs(nz: usize, threads: usize, min_planes: usize) -> Vec<Slab> {
    let n = threads.min(nz / min_planes.max(1)).max(1);
    (0..n)
        .map(|i| Slab {
            z0: i * nz / n,
            z1: (i + 1) * nz / n,
        })
        .collect()
}

/// Runs the sweep of every species in place; `fields[s]` pairs with `inputs[s]`.
pub(crate) fn sweep<T: Real>(
    dims: Dims,
    conductance: &[f32],
    fields: &mut [&mut [T]],
    inputs: &[SpeciesInput<'_, T>],
    scratch: &mut Scratch<T>,
) {
    if dims.is_empty() || fields.is_empty() {
        return;
    }
    let stages = inputs
        .iter()
        .map(|s| 2 * s.coeffs.iterations)
        .max()
        .unwrap_or(2);
    let halo = stages;
    let slabs = slabs(dims.nz, rayon::current_num_threads(), 2 * halo + 2);
    let plane = dims.plane();
    let ns = fields.len();

    // Snapshot every slab's halo planes (entry values) before any slab writes.
    scratch.halos.resize_with(slabs.len(), Vec::new);
    scratch.windows.resize_with(slabs.len(), Window::default);
    let read_only: &[&mut [T]] = fields;
    scratch
        .halos
        .par_iter_mut()
        .zip(slabs.par_iter())
        .for_each(|(buf, slab)| {
            let (lo, hi) = halo_ranges(*slab, halo, dims.nz);
            let per_species = (lo.len() + hi.len()) * plane;
            buf.resize(per_species * ns, T::ZERO);
            for (s, c) in read_only.iter().enumerate() {
                let dst = &mut buf[s * per_species..(s + 1) * per_species];
                let (dlo, dhi) = dst.split_at_mut(lo.len() * plane);
                dlo.copy_from_slice(&c[lo.start * plane..lo.end * plane]);
                dhi.copy_from_slice(&c[hi.start * plane..hi.end * plane]);
            }
        });

    // Split every species' array into the slabs' owned planes.
    let mut owned: Vec<Vec<&mut [T]>> = (0..slabs.len()).map(|_| Vec::new()).collect();
    for c in fields.iter_mut() {
        let mut rest: &mut [T] = c;
        for (i, slab) in slabs.iter().enumerate() {
            let (mine, tail) = rest.split_at_mut((slab.z1 - slab.z0) * plane);
            owned[i].push(mine);
            rest = tail;
        }
    }

    let windows = &mut scratch.windows[..slabs.len()];
    let halos = &scratch.halos[..slabs.len()];
    owned
        .into_par_iter()
        .zip(windows.par_iter_mut())
        .zip(halos.par_iter())
        .zip(slabs.par_iter())
        .for_each(|(((mut own, window), halo_buf), slab)| {
            window.prepare(dims, stages + 2);
            let (lo, hi) = halo_ranges(*slab, halo, dims.nz);
            let per_species = (lo.len() + hi.len()) * plane;
            for (s, input) in inputs.iter().enumerate() {
                let hb = &halo_buf[s * per_species..(s + 1) * per_species];
                let (hlo, hhi) = hb.split_at(lo.len() * plane);
                let old = OldField {
                    own: &mut *own[s],
                    z0: slab.z0,
                    lo_start: lo.start,
                    lo: hlo,
                    hi_start: hi.start,
                    hi: hhi,
                    plane,
                };
                dispatch(dims, conductance, input, *slab, old, window);
            }
        });
}

/// Runs one species' pipeline with the widest vector instructions the CPU has.
fn dispatch<T: Real>(
    dims: Dims,
    conductance: &[f32],
    input: &SpeciesInput<'_, T>,
    slab: Slab,
    old: OldField<'_, T>,
    window: &mut Window<T>,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            #[expect(unsafe_code, reason = "calls the AVX2+FMA build of the hot kernel")]
            // SAFETY: `run_species_avx2` only requires AVX2 and FMA, both detected just
            // above. This is the measured hot path of the field solvers (the portable
            // build uses 128-bit vectors and calls a library routine for each fused
            // multiply-add); no other unsafe code is involved.
            unsafe {
                return run_species_avx2(dims, conductance, input, slab, old, window);
            }
        }
    }
    run_species(dims, conductance, input, slab, old, window)
}

#[cfg(target_arch = "x86_64")]
#[expect(
    unsafe_code,
    reason = "a target-feature function is unsafe to call; callers check the CPU"
)]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_species_avx2<T: Real>(
    dims: Dims,
    conductance: &[f32],
    input: &SpeciesInput<'_, T>,
    slab: Slab,
    old: OldField<'_, T>,
    window: &mut Window<T>,
) {
    run_species(dims, conductance, input, slab, old, window)
}

fn halo_ranges(
    slab: Slab,
    halo: usize,
    nz: usize,
) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    (
        slab.z0.saturating_sub(halo)..slab.z0,
        slab.z1..(slab.z1 + halo).min(nz),
    )
}

/// The entry field as one slab sees it: its own planes (written back in place) and
/// the halo snapshots around them.
struct OldField<'a, T> {
    own: &'a mut [T],
    z0: usize,
    lo_start: usize,
    lo: &'a [T],
    hi_start: usize,
    hi: &'a [T],
    plane: usize,
}

impl<T> OldField<'_, T> {
    #[inline(always)]
    fn plane(&self, z: usize) -> &[T] {
        let p = self.plane;
        let own_planes = self.own.len() / p;
        if z < self.z0 {
            let i = z - self.lo_start;
            &self.lo[i * p..(i + 1) * p]
        } else if z < self.z0 + own_planes {
            let i = z - self.z0;
            &self.own[i * p..(i + 1) * p]
        } else {
            let i = z - self.hi_start;
            &self.hi[i * p..(i + 1) * p]
        }
    }
}

/// The streaming window of one slab: a ring of planes in the split even-x / odd-x
/// layout, with one padding slot at both ends of each half-row and a padding row on
/// both sides of each plane, all holding the ghost potential.
struct Window<T> {
    nx: usize,
    ny: usize,
    /// Padded half-row length.
    hp: usize,
    u: Vec<Vec<T>>,
    bq: Vec<Vec<T>>,
    qq: Vec<Vec<T>>,
    /// A plane of ghost values (beyond the domain's z faces).
    ghost: Vec<T>,
    /// Ghost potential the ring's padding holds, if set.
    ghost_value: Option<T>,
    /// Full-row temporaries.
    t_u: Vec<T>,
    t_b: Vec<T>,
    t_q: Vec<T>,
    t_asum: Vec<T>,
    /// A row of the ghost conductance.
    ghost_a: Vec<f32>,
    zeros: Vec<f32>,
}

impl<T> Default for Window<T> {
    fn default() -> Self {
        Self {
            nx: 0,
            ny: 0,
            hp: 0,
            u: Vec::new(),
            bq: Vec::new(),
            qq: Vec::new(),
            ghost: Vec::new(),
            ghost_value: None,
            t_u: Vec::new(),
            t_b: Vec::new(),
            t_q: Vec::new(),
            t_asum: Vec::new(),
            ghost_a: Vec::new(),
            zeros: Vec::new(),
        }
    }
}

impl<T: Real> Window<T> {
    fn bytes(&self) -> usize {
        let ring: usize = self
            .u
            .iter()
            .chain(&self.bq)
            .chain(&self.qq)
            .map(Vec::capacity)
            .sum();
        T::BYTES * (ring + self.ghost.capacity() + 4 * self.t_u.capacity())
            + 4 * (self.ghost_a.capacity() + self.zeros.capacity())
    }

    fn row_len(&self) -> usize {
        2 * self.hp
    }

    fn plane_len(&self) -> usize {
        (self.ny + 2) * self.row_len()
    }

    fn prepare(&mut self, dims: Dims, slots: usize) {
        if self.nx == dims.nx && self.ny == dims.ny && self.u.len() >= slots {
            return;
        }
        self.nx = dims.nx;
        self.ny = dims.ny;
        self.hp = dims.nx.div_ceil(2) + 2;
        let len = self.plane_len();
        let fresh = |n: usize| (0..n).map(|_| vec![T::ZERO; len]).collect::<Vec<_>>();
        self.u = fresh(slots);
        self.bq = fresh(slots);
        self.qq = fresh(slots);
        self.ghost = vec![T::ZERO; len];
        self.ghost_value = None;
        self.t_u = vec![T::ZERO; dims.nx];
        self.t_b = vec![T::ZERO; dims.nx];
        self.t_q = vec![T::ZERO; dims.nx];
        self.t_asum = vec![T::ZERO; dims.nx];
        self.ghost_a = vec![0.0; dims.nx];
        self.zeros = vec![0.0; dims.nx];
    }

    /// Fills every padding slot (and the ghost plane) with `u_ghost`.
    fn set_ghost(&mut self, u_ghost: T, a_ghost: f32) {
        self.ghost_a.fill(a_ghost);
        if self.ghost_value == Some(u_ghost) {
            return;
        }
        for p in self.u.iter_mut() {
            p.fill(u_ghost);
        }
        self.ghost.fill(u_ghost);
        self.ghost_value = Some(u_ghost);
    }
}

/// The whole pipeline of one species over one slab.
#[inline(always)]
fn run_species<T: Real>(
    dims: Dims,
    conductance: &[f32],
    input: &SpeciesInput<'_, T>,
    slab: Slab,
    mut old: OldField<'_, T>,
    w: &mut Window<T>,
) {
    let co = input.coeffs;
    let a_ghost = co.a_ghost.to_f64() as f32;
    w.set_ghost(co.u_ghost, a_ghost);
    let nz = dims.nz;
    let stages = 2 * co.iterations;
    let lo = slab.z0.saturating_sub(stages);
    let hi = (slab.z1 + stages).min(nz);
    let shrink_lo = lo > 0;
    let shrink_hi = hi < nz;
    let slots = w.u.len();
    for p in lo..hi + stages {
        if p < hi {
            copy_in(dims, conductance, input, &old, p, p % slots, w);
        }
        for h in 1..=stages {
            let Some(q) = p.checked_sub(h) else { break };
            let first = lo + if shrink_lo { h } else { 0 };
            let end = hi - if shrink_hi { h } else { 0 };
            if q < first || q >= end {
                continue;
            }
            half_sweep(dims, q, (h - 1) & 1, co, w);
        }
        if let Some(q) = p.checked_sub(stages) {
            if q >= slab.z0 && q < slab.z1 {
                write_back(dims, conductance, input, &mut old, q, q % slots, w);
            }
        }
    }
}

/// Conductance row `y` of plane `z`, or the ghost row outside the domain.
#[inline(always)]
fn a_row<'a>(dims: Dims, a: &'a [f32], ghost: &'a [f32], y: isize, z: isize) -> &'a [f32] {
    if y < 0 || z < 0 || y as usize >= dims.ny || z as usize >= dims.nz {
        ghost
    } else {
        let i = dims.index(0, y as usize, z as usize);
        &a[i..i + dims.nx]
    }
}

#[inline(always)]
fn copy_in<T: Real>(
    dims: Dims,
    conductance: &[f32],
    input: &SpeciesInput<'_, T>,
    old: &OldField<'_, T>,
    z: usize,
    slot: usize,
    w: &mut Window<T>,
) {
    let co = input.coeffs;
    let nx = dims.nx;
    let hp = w.hp;
    let row_len = w.row_len();
    let c_plane = old.plane(z);
    let base = z * dims.plane();
    let (h0, h1) = (nx.div_ceil(2), nx / 2);
    let Window {
        u,
        bq,
        qq,
        t_u,
        t_b,
        t_q,
        t_asum,
        ghost_a,
        zeros,
        ..
    } = w;
    let (u, bq, qq) = (&mut u[slot], &mut bq[slot], &mut qq[slot]);
    let zi = z as isize;
    for y in 0..dims.ny {
        let yi = y as isize;
        let a = a_row(dims, conductance, ghost_a, yi, zi);
        let nbr = [
            a_row(dims, conductance, ghost_a, yi - 1, zi),
            a_row(dims, conductance, ghost_a, yi + 1, zi),
            a_row(dims, conductance, ghost_a, yi, zi - 1),
            a_row(dims, conductance, ghost_a, yi, zi + 1),
        ];
        neighbour_sum(a, nbr, ghost_a[0], t_asum);
        let off = base + y * nx;
        let s = &input.source[off..off + nx];
        let k = input.uptake.map_or(&zeros[..], |k| &k[off..off + nx]);
        let c = &c_plane[y * nx..(y + 1) * nx];
        coefficients_row(co, a, t_asum, c, s, k, [t_u, t_b, t_q]);
        let r0 = (y + 1) * row_len;
        for (dst, src) in [(&mut *u, &*t_u), (&mut *bq, &*t_b), (&mut *qq, &*t_q)] {
            let row = &mut dst[r0..r0 + row_len];
            let (even, odd) = row.split_at_mut(hp);
            split_even_odd(src, &mut even[1..1 + h0], &mut odd[1..1 + h1]);
        }
    }
}

/// `out[x]`: the sum of the six neighbours' conductance factors of cell x of a row
/// (the four rows around it, and its row neighbours or `ghost` past the row's ends),
/// summed in `T` so that the diagonal is exact to the solver's precision.
#[inline(always)]
fn neighbour_sum<T: Real>(a: &[f32], nbr: [&[f32]; 4], ghost: f32, out: &mut [T]) {
    let n = a.len();
    let [ym, yp, zm, zp] = nbr;
    let (ym, yp, zm, zp, out) = (&ym[..n], &yp[..n], &zm[..n], &zp[..n], &mut out[..n]);
    let f = T::from_f32;
    for x in 0..n {
        out[x] = (f(ym[x]) + f(yp[x])) + (f(zm[x]) + f(zp[x]));
    }
    let g = f(ghost);
    if n == 1 {
        out[0] = out[0] + (g + g);
        return;
    }
    out[0] = out[0] + (g + f(a[1]));
    out[n - 1] = out[n - 1] + (f(a[n - 2]) + g);
    for x in 1..n - 1 {
        out[x] = out[x] + (f(a[x - 1]) + f(a[x + 1]));
    }
}

/// Potential, folded right-hand side and folded neighbour weight of one row.
#[inline(always)]
fn coefficients_row<T: Real>(
    co: Coeffs<T>,
    a: &[f32],
    asum: &[T],
    c: &[T],
    s: &[T],
    k: &[f32],
    out: [&mut [T]; 3],
) {
    let n = a.len();
    let (asum, c, s, k) = (&asum[..n], &c[..n], &s[..n], &k[..n]);
    let [t_u, t_b, t_q] = out;
    let (t_u, t_b, t_q) = (&mut t_u[..n], &mut t_b[..n], &mut t_q[..n]);
    let cap_min = T::from_f32(CAP_MIN);
    for x in 0..n {
        let ax = T::from_f32(a[x]);
        let cap = if ax > cap_min { ax } else { cap_min };
        let diag = co.alpha * cap + co.beta * T::from_f32(k[x]) + co.r * ax * asum[x];
        let b = co.gamma * cap * c[x] + co.beta * s[x];
        let inv = co.omega / diag;
        t_u[x] = ax * c[x];
        t_b[x] = ax * b * inv;
        t_q[x] = co.r * ax * ax * inv;
    }
}

/// Even- and odd-indexed elements of `src` into `even` and `odd` (lengths
/// `ceil(n/2)`, `floor(n/2)`), in blocks of 16 that compile to vector shuffles.
#[inline(always)]
fn split_even_odd<T: Copy>(src: &[T], even: &mut [T], odd: &mut [T]) {
    let h1 = odd.len();
    let src = &src[..2 * h1 + (even.len() - h1)];
    let blocks = h1 / 8;
    for (k, ch) in src[..16 * blocks].chunks_exact(16).enumerate() {
        let e: [T; 8] = std::array::from_fn(|i| ch[2 * i]);
        let o: [T; 8] = std::array::from_fn(|i| ch[2 * i + 1]);
        even[8 * k..8 * k + 8].copy_from_slice(&e);
        odd[8 * k..8 * k + 8].copy_from_slice(&o);
    }
    for j in 8 * blocks..h1 {
        even[j] = src[2 * j];
        odd[j] = src[2 * j + 1];
    }
    if even.len() > h1 {
        even[h1] = src[2 * h1];
    }
}

/// The current plane mutably and the planes below and above (or the ghost plane).
#[inline(always)]
fn three_planes<'a, T>(
    ring: &'a mut [Vec<T>],
    ghost: &'a [T],
    cur: usize,
    below: Option<usize>,
    above: Option<usize>,
) -> (&'a mut [T], &'a [T], &'a [T]) {
    let (head, rest) = ring.split_at_mut(cur);
    let (mid, tail) = rest.split_at_mut(1);
    let (head, tail): (&'a [Vec<T>], &'a [Vec<T>]) = (head, tail);
    let pick = |i: Option<usize>| -> &'a [T] {
        match i {
            None => ghost,
            Some(i) if i < cur => &head[i],
            Some(i) => &tail[i - cur - 1],
        }
    };
    (&mut mid[0], pick(below), pick(above))
}

/// One half-sweep (the cells of `colour`, colour = (x + y + z) mod 2) of plane `q`.
#[inline(always)]
fn half_sweep<T: Real>(dims: Dims, q: usize, colour: usize, co: Coeffs<T>, w: &mut Window<T>) {
    let slots = w.u.len();
    let below = q.checked_sub(1).map(|z| z % slots);
    let above = (q + 1 < dims.nz).then_some((q + 1) % slots);
    let hp = w.hp;
    let row_len = w.row_len();
    let nx = dims.nx;
    let keep = T::from_f32(1.0) - co.omega;
    let slot = q % slots;
    let (bq, qq) = (&w.bq[slot], &w.qq[slot]);
    let (cur, zm, zp) = three_planes(&mut w.u, &w.ghost, slot, below, above);
    for y in 0..dims.ny {
        let p = (y + q + colour) & 1;
        let h = (nx + 1 - p) / 2;
        if h == 0 {
            continue;
        }
        let r0 = (y + 1) * row_len;
        let (before, rest) = cur.split_at_mut(r0);
        let (row, after) = rest.split_at_mut(row_len);
        let ym = &before[r0 - row_len + p * hp + 1..][..h];
        let yp = &after[p * hp + 1..][..h];
        let (even, odd) = row.split_at_mut(hp);
        let (this, other) = if p == 0 { (even, &*odd) } else { (odd, &*even) };
        // Cell j of this half is x = 2j + p; its x-neighbours in the other half are at
        // padded slots j + p and j + p + 1.
        let xm = &other[p..p + h];
        let xp = &other[p + 1..p + 1 + h];
        let o = r0 + p * hp + 1;
        relax(
            &mut this[1..1 + h],
            [xm, xp, ym, yp, &zm[o..o + h], &zp[o..o + h]],
            &bq[o..o + h],
            &qq[o..o + h],
            keep,
        );
    }
}

/// The hot loop: `u = keep u + bq + qq * (sum of the neighbours)`, two fused
/// multiply-adds and five additions per update.
#[inline(always)]
fn relax<T: Real>(u: &mut [T], nbr: [&[T]; 6], bq: &[T], qq: &[T], keep: T) {
    let n = u.len();
    let [xm, xp, ym, yp, zm, zp] = nbr;
    let (xm, xp, ym, yp, zm, zp) = (&xm[..n], &xp[..n], &ym[..n], &yp[..n], &zm[..n], &zp[..n]);
    let (bq, qq) = (&bq[..n], &qq[..n]);
    for j in 0..n {
        let s = ((xm[j] + xp[j]) + (ym[j] + yp[j])) + (zm[j] + zp[j]);
        u[j] = keep.mul_add(u[j], qq[j].mul_add(s, bq[j]));
    }
}

#[inline(always)]
fn write_back<T: Real>(
    dims: Dims,
    conductance: &[f32],
    input: &SpeciesInput<'_, T>,
    old: &mut OldField<'_, T>,
    z: usize,
    slot: usize,
    w: &mut Window<T>,
) {
    let nx = dims.nx;
    let hp = w.hp;
    let row_len = w.row_len();
    let (h0, h1) = (nx.div_ceil(2), nx / 2);
    let plane = dims.plane();
    let base = z * plane;
    let local = (z - old.z0) * plane;
    let u = &w.u[slot];
    let t = &mut w.t_u;
    for y in 0..dims.ny {
        let r0 = (y + 1) * row_len;
        let (even, odd) = u[r0..r0 + row_len].split_at(hp);
        join_even_odd(&even[1..1 + h0], &odd[1..1 + h1], t);
        let off = base + y * nx;
        let a = &conductance[off..off + nx];
        let s = &input.source[off..off + nx];
        let k = input.uptake.map_or(&w.zeros[..], |k| &k[off..off + nx]);
        let out = &mut old.own[local + y * nx..local + (y + 1) * nx];
        finish_row(input.coeffs, a, t, s, k, out);
    }
}

/// The inverse of [`split_even_odd`].
#[inline(always)]
fn join_even_odd<T: Copy>(even: &[T], odd: &[T], dst: &mut [T]) {
    let h1 = odd.len();
    let dst = &mut dst[..2 * h1 + (even.len() - h1)];
    let blocks = h1 / 8;
    for (k, ch) in dst[..16 * blocks].chunks_exact_mut(16).enumerate() {
        let e = &even[8 * k..8 * k + 8];
        let o = &odd[8 * k..8 * k + 8];
        let v: [T; 16] = std::array::from_fn(|i| if i % 2 == 0 { e[i / 2] } else { o[i / 2] });
        ch.copy_from_slice(&v);
    }
    for j in 8 * blocks..h1 {
        dst[2 * j] = even[j];
        dst[2 * j + 1] = odd[j];
    }
    if even.len() > h1 {
        dst[2 * h1] = even[h1];
    }
}

/// `c = u / a` in conducting cells; a cell with `a = 0` exchanges nothing and solves
/// its own decoupled equation from the entry value still in `out`.
#[inline(always)]
fn finish_row<T: Real>(co: Coeffs<T>, a: &[f32], u: &[T], s: &[T], k: &[f32], out: &mut [T]) {
    let n = out.len();
    let (a, u, s, k) = (&a[..n], &u[..n], &s[..n], &k[..n]);
    let cap = T::from_f32(CAP_MIN);
    for x in 0..n {
        let ax = T::from_f32(a[x]);
        let isolated = (co.gamma * cap * out[x] + co.beta * s[x])
            / (co.alpha * cap + co.beta * T::from_f32(k[x]));
        let v = if ax > T::ZERO { u[x] / ax } else { isolated };
        out[x] = if v < co.floor { co.floor } else { v };
    }
}
