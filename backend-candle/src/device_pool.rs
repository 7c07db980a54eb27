//! Trials placed on several devices: a search's evaluator takes a device
//! from a [`DevicePool`] for each trial and gives it back when the trial
//! ends, so that each GPU runs a fixed number of trials at a time (one by
//! default: a small network already keeps a GPU busy, and two in one
//! memory only compete).
//!
//! The pool hands out the least busy device with a free slot (the first
//! such in the list on a tie) and makes a caller wait while every slot is
//! taken; a lease gives its slot back when dropped, also when the trial
//! fails or panics. With as many trials in flight as the pool has slots
//! ([`capacity`](DevicePool::capacity): what the search driver's `threads`
//! should be), no trial waits. Which device a trial gets depends on which
//! trials are running, not on the trial: results are the same on identical
//! GPUs, so the search's records are too.
//!
//! ```
//! use archspace_candle::{DevicePool, DeviceSpec};
//! let pool = DevicePool::open(&[DeviceSpec::Cpu], 2)?;
//! assert_eq!(pool.capacity(), 2);
//! let first = pool.acquire();
//! let second = pool.acquire();
//! assert!(first.device().is_cpu() && second.device().is_cpu());
//! assert_eq!(pool.in_use(), [2]);
//! drop(first);
//! assert_eq!(pool.in_use(), [1]);
//! # Ok::<(), archspace_candle::BackendError>(())
//! ```

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use candle_core::Device;

use crate::device::DeviceSpec;
use crate::error::BackendError;

/// Devices shared by concurrent trials, each with a number of slots.
#[derive(Debug)]
pub struct DevicePool {
    devices: Vec<Device>,
    per_device: usize,
    in_use: Mutex<Vec<usize>>,
    freed: Condvar,
}

impl DevicePool {
    /// A pool of opened devices, each running at most `per_device` trials at once.
    pub fn new(devices: Vec<Device>, per_device: usize) -> Result<Self, BackendError> {
        if devices.is_empty() || per_device == 0 {
            return Err(BackendError::Config(format!(
                "a device pool needs at least one device and one trial per device (got {} devices, {per_device} per device)",
                devices.len()
            )));
        }
        let in_use = Mutex::new(vec![0; devices.len()]);
        Ok(DevicePool { devices, per_device, in_use, freed: Condvar::new() })
    }

    /// Opens each device of `specs` (an error names the first that does not open).
    pub fn open(specs: &[DeviceSpec], per_device: usize) -> Result<Self, BackendError> {
        let devices = specs.iter().map(|s| s.open()).collect::<Result<Vec<_>, _>>()?;
        DevicePool::new(devices, per_device)
    }

    /// Trials that can run at once without waiting: devices × trials per device.
    pub fn capacity(&self) -> usize {
        self.devices.len() * self.per_device
    }

    /// The devices, in the order given.
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    /// How many trials hold each device now.
    pub fn in_use(&self) -> Vec<usize> {
        self.lock().clone()
    }

    /// A device for one trial: the least busy one with a free slot, waiting
    /// while there is none. The slot is given back when the lease is dropped.
    pub fn acquire(&self) -> DeviceLease<'_> {
        let mut in_use = self.lock();
        loop {
            let free = (0..in_use.len()).filter(|&i| in_use[i] < self.per_device).min_by_key(|&i| (in_use[i], i));
            if let Some(index) = free {
                in_use[index] += 1;
                return DeviceLease { pool: self, index };
            }
            in_use = self.freed.wait(in_use).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The counts stay right when a trial panicked while holding the lock:
    /// every update is a single increment or decrement.
    fn lock(&self) -> MutexGuard<'_, Vec<usize>> {
        self.in_use.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One trial's device, given back to its [`DevicePool`] when dropped.
#[derive(Debug)]
pub struct DeviceLease<'a> {
    pool: &'a DevicePool,
    index: usize,
}

impl DeviceLease<'_> {
    /// The device (build the trial's network with it: `NetworkConfig { device: lease.device().clone(), .. }`).
    pub fn device(&self) -> &Device {
        &self.pool.devices[self.index]
    }

    /// Its position in the pool's list.
    pub fn index(&self) -> usize {
        self.index
    }
}

impl Drop for DeviceLease<'_> {
    fn drop(&mut self) {
        let mut in_use = self.pool.lock();
        in_use[self.index] = in_use[self.index].saturating_sub(1);
        drop(in_use);
        self.pool.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn leases_spread_over_devices_and_never_exceed_the_slots() {
        let pool = DevicePool::new(vec![Device::Cpu, Device::Cpu, Device::Cpu], 1).expect("pool");
        let leases: Vec<_> = (0..3).map(|_| pool.acquire()).collect();
        assert_eq!(leases.iter().map(DeviceLease::index).collect::<Vec<_>>(), [0, 1, 2], "one trial per device");
        drop(leases);
        assert_eq!(pool.in_use(), [0, 0, 0]);

        // Six threads, two slots: at most two trials at a time, each device once.
        let pool = DevicePool::new(vec![Device::Cpu, Device::Cpu], 1).expect("pool");
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    let lease = pool.acquire();
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    assert!(pool.in_use().iter().all(|&n| n <= 1), "a device holds one trial");
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    drop(lease);
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(pool.in_use(), [0, 0]);
    }

    #[test]
    fn a_panicking_trial_gives_its_device_back() {
        let pool = DevicePool::new(vec![Device::Cpu], 1).expect("pool");
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _lease = pool.acquire();
            panic!("trial failed");
        }));
        assert!(result.is_err());
        assert_eq!(pool.in_use(), [0]);
        drop(pool.acquire());
    }

    #[test]
    fn an_empty_pool_is_an_error() {
        assert!(DevicePool::new(Vec::new(), 1).is_err());
        assert!(DevicePool::new(vec![Device::Cpu], 0).is_err());
    }
}
