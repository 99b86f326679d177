//! Topology-changing removals of bone voxels: their kinds, the events recorded in
//! `/events/perforations`, and their running counts.
//!
//! A resorption that takes a voxel out of the bone mask changes the topology of the
//! bone when the voxel is not a simple point (Bertrand & Malandain 1994,
//! [`crate::morphometry::simple_point`]); a bit of bone cut off by a resorption and
//! removed with it is an event of its own ([`TopologyKind::FragmentVanished`]).

use crate::morphometry::RemovalKind;

/// What a topology-changing removal did. The discriminant is the code written in
/// the `kind` column of `/events/perforations`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TopologyKind {
    /// A hole through a plate (code 1).
    Perforation = 1,
    /// A strut cut (code 2).
    Disconnection = 2,
    /// Both at once (code 3).
    DisconnectionAndPerforation = 3,
    /// A fragment vanished (code 4).
    FragmentVanished = 4,
    /// A closed cavity opened (code 5).
    CavityOpened = 5,
}

impl TopologyKind {
    /// Every kind, in code order.
    pub const ALL: [TopologyKind; 5] = [
        TopologyKind::Perforation,
        TopologyKind::Disconnection,
        TopologyKind::DisconnectionAndPerforation,
        TopologyKind::FragmentVanished,
        TopologyKind::CavityOpened,
    ];

    /// The kind of a non-simple removal (None for simple removals).
    pub fn of_removal(kind: RemovalKind) -> Option<Self> {
        match kind {
            RemovalKind::Simple => None,
            RemovalKind::Perforation => Some(Self::Perforation),
            RemovalKind::Disconnection => Some(Self::Disconnection),
            RemovalKind::DisconnectionAndPerforation => Some(Self::DisconnectionAndPerforation),
            RemovalKind::Vanish => Some(Self::FragmentVanished),
            RemovalKind::Cavity => Some(Self::CavityOpened),
        }
    }

    /// The code written in `/events/perforations` (1-5).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Whether the removal cut a strut (a disconnection, alone or with a
    /// perforation).
    pub fn cuts(self) -> bool {
        matches!(
            self,
            TopologyKind::Disconnection | TopologyKind::DisconnectionAndPerforation
        )
    }
}

/// A topology-changing removal of a bone voxel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopologyEvent {
    /// Step in which it happened.
    pub step: u64,
    /// Voxel `[x, y, z]`.
    pub voxel: [usize; 3],
    /// What the removal did.
    pub kind: TopologyKind,
    /// The site that resorbed the voxel.
    pub site: u32,
}

/// Topology-changing removals counted by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct TopologyCounts([u64; 5]);

impl TopologyCounts {
    /// Counts one removal of `kind`.
    pub fn add(&mut self, kind: TopologyKind) {
        self.0[usize::from(kind.code() - 1)] += 1;
    }

    /// Removals of `kind` so far.
    pub fn get(&self, kind: TopologyKind) -> u64 {
        self.0[usize::from(kind.code() - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_written_ones_and_counts_follow_the_kind() {
        let codes: Vec<u8> = TopologyKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes, [1, 2, 3, 4, 5]);
        assert_eq!(TopologyKind::of_removal(RemovalKind::Simple), None);
        assert_eq!(
            TopologyKind::of_removal(RemovalKind::Vanish),
            Some(TopologyKind::FragmentVanished)
        );
        let cutting: Vec<bool> = TopologyKind::ALL.iter().map(|k| k.cuts()).collect();
        assert_eq!(cutting, [false, true, true, false, false]);
        let mut counts = TopologyCounts::default();
        counts.add(TopologyKind::CavityOpened);
        counts.add(TopologyKind::CavityOpened);
        counts.add(TopologyKind::Perforation);
        let by_kind: Vec<u64> = TopologyKind::ALL.iter().map(|&k| counts.get(k)).collect();
        assert_eq!(by_kind, [1, 0, 0, 0, 2]);
        // Checkpoints encode the counts as the bare array they always were.
        let bytes = bincode::serialize(&counts).unwrap();
        assert_eq!(bytes, bincode::serialize(&[1u64, 0, 0, 0, 2]).unwrap());
    }
}
