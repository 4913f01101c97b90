//! A bounded cache of a slow model's results, keyed by the exact bits of each plan.
//!
//! Solvers evaluate some plans more than once: the current plan, repaired plans that land on
//! the same bound, the base plan of every point of a response curve. A cached plan returns
//! the values that the model returned for it before, so a deterministic model gives the same
//! results with and without the cache, whatever the thread count.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use ndarray::{Array2, Array3, ArrayView1, ArrayView2, Axis};

use crate::error::CoreError;
use crate::external::contributions_by_removal;
use crate::model::{check_columns, ResponseModel};

/// Default number of plans that a cache keeps.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// The bits of every spend of one plan. `0.0` and `-0.0` are different keys.
type Key = Box<[u64]>;

/// A model whose results are cached.
///
/// Only [`ResponseModel::evaluate`] is cached, together with the default
/// [`ResponseModel::evaluate_draws`] of a model with one draw, and the contributions of a
/// model built with [`CachedModel::with_removal_contributions`]. Gradients, and the draws of
/// a model with several, come from the wrapped model on every call.
pub struct CachedModel {
    inner: Arc<dyn ResponseModel>,
    capacity: usize,
    removal_contributions: bool,
    entries: Mutex<Entries>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Cached values, and their keys from oldest to newest for eviction.
#[derive(Default)]
struct Entries {
    values: HashMap<Key, Box<[f64]>>,
    order: VecDeque<Key>,
}

/// Lists the settings only: input hashes and checkpoints fingerprint a problem by its `Debug`
/// text, so the counts of hits and misses must stay out of it.
impl std::fmt::Debug for CachedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedModel")
            .field("inner", &self.inner)
            .field("capacity", &self.capacity)
            .field("removal_contributions", &self.removal_contributions)
            .finish_non_exhaustive()
    }
}

impl CachedModel {
    /// Wraps `inner` in a cache of at most `capacity` plans. When the cache is full, the
    /// oldest plan makes room for the newest.
    pub fn new(inner: Arc<dyn ResponseModel>, capacity: usize) -> Self {
        Self {
            inner,
            capacity,
            removal_contributions: false,
            entries: Mutex::new(Entries::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Computes contributions by removal through the cache, for a black-box model whose
    /// contributions are defined that way ([`contributions_by_removal`]). The plan with one
    /// channel at 0 then comes from the cache on every point of that channel's response
    /// curve but the first.
    pub fn with_removal_contributions(mut self) -> Self {
        self.removal_contributions = true;
        self
    }

    /// Number of plans returned from the cache so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Number of plans sent to the wrapped model so far.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Copies the cached rows of `spend` into `out`, and returns the plans that are not
    /// cached, each once, with the rows of `out` that each fills.
    fn fill_cached(
        &self,
        spend: ArrayView2<'_, f64>,
        out: &mut Array2<f64>,
    ) -> Vec<(Key, Vec<usize>)> {
        let mut missing: Vec<(Key, Vec<usize>)> = Vec::new();
        let mut position: HashMap<Key, usize> = HashMap::new();
        let entries = self.entries();
        for (row, plan) in spend.axis_iter(Axis(0)).enumerate() {
            let key: Key = plan.iter().map(|value| value.to_bits()).collect();
            if let Some(values) = entries.values.get(&key) {
                out.row_mut(row).assign(&ArrayView1::from(&values[..]));
            } else if let Some(&index) = position.get(&key) {
                missing[index].1.push(row);
            } else {
                position.insert(key.clone(), missing.len());
                missing.push((key, vec![row]));
            }
        }
        missing
    }

    /// Stores one plan's values, evicting the oldest plan when the cache is full.
    fn insert(&self, entries: &mut Entries, key: Key, values: ArrayView1<'_, f64>) {
        if self.capacity == 0 || entries.values.contains_key(&key) {
            return;
        }
        if entries.values.len() >= self.capacity {
            if let Some(oldest) = entries.order.pop_front() {
                entries.values.remove(&oldest);
            }
        }
        entries.order.push_back(key.clone());
        entries
            .values
            .insert(key, values.to_vec().into_boxed_slice());
    }
}

impl Drop for CachedModel {
    fn drop(&mut self) {
        tracing::debug!(
            hits = self.hits(),
            misses = self.misses(),
            "model cache closed"
        );
    }
}

impl ResponseModel for CachedModel {
    fn channels(&self) -> &[String] {
        self.inner.channels()
    }

    fn kpis(&self) -> &[String] {
        self.inner.kpis()
    }

    /// Returns cached plans from the cache and sends the others, each once, to the wrapped
    /// model in one batch.
    fn evaluate(&self, spend: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.ncols())?;
        let mut out = Array2::zeros((spend.nrows(), self.kpis().len()));
        let missing = self.fill_cached(spend, &mut out);

        let computed = missing.len();
        let hits = spend.nrows() - computed;
        self.hits.fetch_add(hits as u64, Ordering::Relaxed);
        self.misses.fetch_add(computed as u64, Ordering::Relaxed);
        tracing::trace!(hits, misses = computed, "model cache");
        if computed == 0 {
            return Ok(out);
        }

        let mut batch = Array2::zeros((computed, spend.ncols()));
        for (index, (_, rows)) in missing.iter().enumerate() {
            batch.row_mut(index).assign(&spend.row(rows[0]));
        }
        let values = self.inner.evaluate(batch.view())?;
        let kpis = self.kpis().len();
        if values.dim() != (computed, kpis) {
            return Err(CoreError::Model(format!(
                "the model returned a {:?} array for {computed} plans and {kpis} KPIs",
                values.dim()
            )));
        }

        let mut entries = self.entries();
        for (index, (key, rows)) in missing.into_iter().enumerate() {
            let row = values.row(index);
            for &target in &rows {
                out.row_mut(target).assign(&row);
            }
            self.insert(&mut entries, key, row);
        }
        Ok(out)
    }

    fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        if self.removal_contributions {
            contributions_by_removal(self, spend)
        } else {
            self.inner.contributions(spend)
        }
    }

    fn gradient(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array2<f64>, CoreError>> {
        self.inner.gradient(spend)
    }

    fn draws(&self) -> usize {
        self.inner.draws()
    }

    fn evaluate_draws(&self, spend: ArrayView2<'_, f64>) -> Result<Array3<f64>, CoreError> {
        if self.inner.draws() == 1 {
            Ok(self.evaluate(spend)?.insert_axis(Axis(0)))
        } else {
            self.inner.evaluate_draws(spend)
        }
    }

    fn gradient_draws(&self, spend: ArrayView1<'_, f64>) -> Option<Result<Array3<f64>, CoreError>> {
        self.inner.gradient_draws(spend)
    }

    fn is_separable(&self) -> bool {
        self.inner.is_separable()
    }

    fn separable_terms(
        &self,
        spend: ArrayView1<'_, f64>,
    ) -> Option<Result<Array2<f64>, CoreError>> {
        self.inner.separable_terms(spend)
    }

    fn has_monotone_contributions(&self) -> bool {
        self.inner.has_monotone_contributions()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use ndarray::array;

    use super::*;

    /// KPI = sum of squares, counting the plans it evaluates.
    struct Counting {
        channels: Vec<String>,
        kpis: Vec<String>,
        evaluated: AtomicUsize,
    }

    /// Leaves the count out, as a real model's `Debug` has no counters.
    impl std::fmt::Debug for Counting {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Counting")
                .field("channels", &self.channels)
                .finish_non_exhaustive()
        }
    }

    impl Counting {
        fn new() -> Arc<Self> {
            Arc::new(Self {
                channels: vec!["a".into(), "b".into()],
                kpis: vec!["k".into()],
                evaluated: AtomicUsize::new(0),
            })
        }
    }

    impl ResponseModel for Counting {
        fn channels(&self) -> &[String] {
            &self.channels
        }

        fn kpis(&self) -> &[String] {
            &self.kpis
        }

        fn evaluate(&self, spend: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
            check_columns(self, spend.ncols())?;
            self.evaluated.fetch_add(spend.nrows(), Ordering::Relaxed);
            Ok(spend
                .map_axis(Axis(1), |row| row.iter().map(|v| v * v).sum::<f64>())
                .insert_axis(Axis(1)))
        }

        fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
            Ok(spend.map(|v| v * v).insert_axis(Axis(1)))
        }
    }

    #[test]
    fn repeated_plans_are_evaluated_once() {
        let inner = Counting::new();
        let cached = CachedModel::new(inner.clone(), 10);
        let batch = array![[1.0, 2.0], [3.0, 4.0], [1.0, 2.0]];
        let first = cached.evaluate(batch.view()).unwrap();
        assert_eq!(first, array![[5.0], [25.0], [5.0]]);
        assert_eq!(inner.evaluated.load(Ordering::Relaxed), 2);
        let second = cached.evaluate(batch.view()).unwrap();
        assert_eq!(second, first);
        assert_eq!(inner.evaluated.load(Ordering::Relaxed), 2);
        assert_eq!(cached.hits(), 4);
        assert_eq!(cached.misses(), 2);
    }

    #[test]
    fn full_cache_evicts_oldest_plan() {
        let inner = Counting::new();
        let cached = CachedModel::new(inner.clone(), 2);
        for plan in [[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]] {
            cached.evaluate(array![plan].view()).unwrap();
        }
        assert_eq!(cached.entries().values.len(), 2);
        cached.evaluate(array![[3.0, 0.0]].view()).unwrap();
        assert_eq!(inner.evaluated.load(Ordering::Relaxed), 3);
        cached.evaluate(array![[1.0, 0.0]].view()).unwrap();
        assert_eq!(inner.evaluated.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn zero_capacity_caches_nothing() {
        let inner = Counting::new();
        let cached = CachedModel::new(inner.clone(), 0);
        cached.evaluate(array![[1.0, 1.0]].view()).unwrap();
        cached.evaluate(array![[1.0, 1.0]].view()).unwrap();
        assert_eq!(inner.evaluated.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn negative_zero_is_a_different_plan() {
        let inner = Counting::new();
        let cached = CachedModel::new(inner.clone(), 10);
        cached
            .evaluate(array![[0.0, 1.0], [-0.0, 1.0]].view())
            .unwrap();
        assert_eq!(inner.evaluated.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn debug_text_ignores_cache_use() {
        let cached = CachedModel::new(Counting::new(), 10);
        let before = format!("{cached:?}");
        cached
            .evaluate(array![[1.0, 2.0], [1.0, 2.0]].view())
            .unwrap();
        assert_eq!(format!("{cached:?}"), before);
    }

    #[test]
    fn wrong_plan_length_is_rejected() {
        let cached = CachedModel::new(Counting::new(), 10);
        let error = cached.evaluate(array![[1.0]].view()).unwrap_err();
        assert!(error.to_string().contains("2 channels"), "{error}");
    }

    #[test]
    fn contributions_go_to_inner_unless_by_removal() {
        let inner = Counting::new();
        let plain = CachedModel::new(inner.clone(), 10);
        let plan = array![1.0, 2.0];
        assert_eq!(
            plain.contributions(plan.view()).unwrap(),
            array![[1.0], [4.0]]
        );
        assert_eq!(inner.evaluated.load(Ordering::Relaxed), 0);
        let removal = CachedModel::new(inner.clone(), 10).with_removal_contributions();
        assert_eq!(
            removal.contributions(plan.view()).unwrap(),
            array![[1.0], [4.0]]
        );
        assert_eq!(inner.evaluated.load(Ordering::Relaxed), 3);
        removal.contributions(plan.view()).unwrap();
        assert_eq!(inner.evaluated.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn concurrent_batches_match_uncached_results() {
        let inner = Counting::new();
        let cached = CachedModel::new(inner.clone(), 50);
        let plans: Vec<Array2<f64>> = (0..8)
            .map(|t| {
                Array2::from_shape_fn((20, 2), |(i, j)| ((i * 7 + j * 3 + t) % 13) as f64 * 0.5)
            })
            .collect();
        std::thread::scope(|scope| {
            for plan in &plans {
                let cached = &cached;
                let inner = &inner;
                scope.spawn(move || {
                    let expected = inner.evaluate(plan.view()).unwrap();
                    assert_eq!(cached.evaluate(plan.view()).unwrap(), expected);
                });
            }
        });
    }
}
