//! A cache of Merkle nodes for proofs, filled a tile at a time.
//!
//! A node is the hash of a perfect subtree, which can never change once the
//! tree has grown over it, so a cached node is never stale, even with other
//! processes appending. Nodes are cached in tiles of [`TILE_WIDTH`]
//! consecutive nodes of one level, read from the store with one range query:
//! a proof's neighbours at the lower levels share tiles, so after a few
//! proofs most need no database read at all. A tile at the tree's right edge
//! may be short; asking for a node past its end reads the tile again. The
//! cache is bounded; when full it starts over, which costs only re-reads.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use liuhen_core::merkle::{Hash, NodeId};

/// Nodes per tile.
pub(crate) const TILE_WIDTH: u64 = 256;

/// Identifies a tile: (level, index of the tile within the level).
pub(crate) type TileId = (u8, u64);

pub(crate) fn tile_of(id: &NodeId) -> TileId {
    (id.level, id.index / TILE_WIDTH)
}

pub(crate) struct NodeCache {
    max_tiles: usize,
    tiles: RwLock<HashMap<TileId, Arc<Vec<Hash>>>>,
}

impl NodeCache {
    /// A cache of at most `max_tiles` tiles (8 KiB each).
    pub(crate) fn new(max_tiles: usize) -> Self {
        Self { max_tiles, tiles: RwLock::new(HashMap::new()) }
    }

    pub(crate) fn get(&self, id: &NodeId) -> Option<Hash> {
        let tiles = self.tiles.read().expect("the cache lock is never poisoned");
        let tile = tiles.get(&tile_of(id))?;
        tile.get((id.index % TILE_WIDTH) as usize).copied()
    }

    /// Stores a tile read from the store: its nodes must be the tile's
    /// first ones, consecutive, without gaps.
    pub(crate) fn insert(&self, tile: TileId, nodes: Vec<Hash>) {
        let mut tiles = self.tiles.write().expect("the cache lock is never poisoned");
        if tiles.len() >= self.max_tiles {
            tiles.clear();
        }
        tiles.insert(tile, Arc::new(nodes));
    }
}
