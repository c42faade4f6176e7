//! The ledger's contract, on every backend: appends under concurrency,
//! signed checkpoints, proofs that verify offline, restarts, refused
//! requests, two writers on one database, and verification that names the
//! exact damage done behind its back.
//!
//! Each scenario is written once and `on_every_backend!` turns it into one
//! test per backend (SQLite in a temporary directory, PostgreSQL in a
//! throw-away database). Ledgers check in every 50 ms, so the automatic
//! checkpoints run during the tests too.

/// Expands each scenario into `sqlite::<scenario>` and
/// `postgres::<scenario>` tests, each under the given test attribute. A
/// scenario marked `(store)` receives the store; one marked `(database)`
/// receives the whole test database (to open it again or tamper with it).
macro_rules! on_every_backend {
    ($(#[$runtime:meta] $scenario:ident($argument:ident)),* $(,)?) => {
        mod sqlite {
            $(
                #[$runtime]
                async fn $scenario() {
                    let database = crate::support::Database::sqlite().await;
                    super::$scenario(on_every_backend!(@argument database $argument)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[$runtime]
                async fn $scenario() {
                    let database = crate::support::Database::postgres().await;
                    super::$scenario(on_every_backend!(@argument database $argument)).await;
                }
            )*
        }
    };
    (@argument $database:ident store) => { $database.store.clone() };
    (@argument $database:ident database) => { &$database };
}

mod support {
    //! Test databases, ledgers with fresh keys, and independent checks.

    use std::sync::Arc;
    use std::time::Duration;

    use ed25519_dalek::SigningKey;
    use liuhen_core::entry::{canonical_payload_bytes, EntryDraft};
    use liuhen_core::merkle::{Frontier, Hash};
    use liuhen_core::note::{Ed25519NoteSigner, NoteVerifier};
    use liuhen_ledger::verify::{verify_ledger, Report};
    use liuhen_ledger::{Ledger, LedgerConfig, Receipt};
    use liuhen_store::postgres::testing::TestDatabase;
    use liuhen_store::{Backend, MetaStore, StoredCheckpoint, StoredEntry};
    use rand::rngs::OsRng;
    use sqlx::{Connection, PgConnection, SqliteConnection};
    use tokio::task::JoinSet;

    /// The checkpoint origin and key name of every test ledger.
    pub const ORIGIN: &str = "liuhen.test/xiamen-cgj";

    /// A database that lives as long as one test, its store, and a way
    /// around the store to the same rows.
    pub struct Database {
        pub store: Arc<dyn MetaStore>,
        /// What `liuhen_store::open` was given: a file path or a URL.
        pub url: String,
        _lifetime: Lifetime,
    }

    enum Lifetime {
        Directory(#[allow(dead_code)] tempfile::TempDir),
        Postgres(#[allow(dead_code)] TestDatabase),
    }

    impl Database {
        pub async fn sqlite() -> Database {
            let directory = tempfile::tempdir().expect("a temporary directory");
            let url = directory.path().join("liuhen.db").display().to_string();
            let store = liuhen_store::open(&url).await.expect("an SQLite store opens in a fresh directory");
            Database { store, url, _lifetime: Lifetime::Directory(directory) }
        }

        pub async fn postgres() -> Database {
            let database = TestDatabase::create()
                .await
                .expect("a throw-away PostgreSQL database (is PostgreSQL running at 127.0.0.1:5432, or LIUHEN_TEST_POSTGRES set?)");
            let url = database.url.clone();
            let store = liuhen_store::open(&url).await.expect("a PostgreSQL store opens on a fresh database");
            Database { store, url, _lifetime: Lifetime::Postgres(database) }
        }

        /// A second store on the same database, as another process opens it.
        pub async fn open_again(&self) -> Arc<dyn MetaStore> {
            liuhen_store::open(&self.url).await.expect("the same database opens a second time")
        }

        /// Runs one statement on a connection of its own, behind the
        /// store's back, and returns the number of rows it touched.
        pub async fn execute(&self, sql: &str) -> u64 {
            match self.store.backend() {
                Backend::Sqlite => {
                    let mut connection =
                        SqliteConnection::connect(&format!("sqlite://{}", self.url)).await.expect("a raw SQLite connection");
                    sqlx::query(sql).execute(&mut connection).await.expect("raw SQL runs").rows_affected()
                }
                Backend::Postgres => {
                    let mut connection = PgConnection::connect(&self.url).await.expect("a raw PostgreSQL connection");
                    sqlx::query(sql).execute(&mut connection).await.expect("raw SQL runs").rows_affected()
                }
            }
        }

        /// `bytes` as an SQL literal of this backend's byte-array type.
        pub fn bytes_literal(&self, bytes: &[u8]) -> String {
            let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
            match self.store.backend() {
                Backend::Sqlite => format!("X'{hex}'"),
                Backend::Postgres => format!("'\\x{hex}'::bytea"),
            }
        }
    }

    pub fn signing_key() -> SigningKey {
        SigningKey::generate(&mut OsRng)
    }

    pub fn config() -> LedgerConfig {
        LedgerConfig { checkpoint_interval: Duration::from_millis(50), ..LedgerConfig::new(ORIGIN) }
    }

    /// Starts a ledger on `store` that signs with `key`.
    pub async fn start(store: Arc<dyn MetaStore>, key: &SigningKey) -> Ledger {
        let signer = Ed25519NoteSigner::new(ORIGIN, key.clone()).expect("a valid key name");
        Ledger::start(store, Arc::new(signer), config()).await.expect("the ledger starts")
    }

    /// The verifiers a reader of this ledger's proofs would hold.
    pub fn verifiers(ledger: &Ledger) -> Vec<NoteVerifier> {
        vec![NoteVerifier::from_vkey(&ledger.verifier_key()).expect("the ledger's verifier key parses")]
    }

    /// Event number `number`: an officer viewing a recording for a case
    /// review.
    pub fn draft(number: u64) -> EntryDraft {
        EntryDraft::new("user:0192f3a4-5b6c-7d8e-9f00-112233445566", "media.viewed")
            .subject(format!("media:{number}"))
            .payload(serde_json::json!({"number": number, "原因": "法制审核"}))
    }

    /// Records drafts `numbers` one after another; returns their receipts.
    pub async fn record_each(ledger: &Ledger, numbers: std::ops::Range<u64>) -> Vec<Receipt> {
        let mut receipts = Vec::new();
        for number in numbers {
            receipts.push(ledger.record(draft(number), Vec::new()).await.expect("the ledger records"));
        }
        receipts
    }

    /// Records `per_task` drafts from each of `tasks` tasks at once; returns
    /// every draft with its receipt, in index order.
    pub async fn record_concurrently(ledger: &Arc<Ledger>, tasks: u64, per_task: u64, first_number: u64) -> Vec<(EntryDraft, Receipt)> {
        let mut running = JoinSet::new();
        for task in 0..tasks {
            let ledger = ledger.clone();
            running.spawn(async move {
                let mut recorded = Vec::new();
                for step in 0..per_task {
                    let draft = draft(first_number + task * per_task + step);
                    let receipt = ledger.record(draft.clone(), Vec::new()).await.expect("the ledger records");
                    recorded.push((draft, receipt));
                }
                recorded
            });
        }
        let mut recorded = Vec::new();
        while let Some(finished) = running.join_next().await {
            recorded.extend(finished.expect("a recording task does not panic"));
        }
        recorded.sort_by_key(|(_, receipt)| receipt.index);
        recorded
    }

    /// The RFC 6962 root of these leaves, computed here.
    pub fn root_of(leaves: &[Hash]) -> Hash {
        let mut frontier = Frontier::new();
        for leaf in leaves {
            frontier.push(*leaf);
        }
        frontier.root()
    }

    /// Asserts that the stored entry is exactly `draft` at the receipt's
    /// index and time, and that its canonical bytes hash to the receipt's
    /// leaf.
    pub fn assert_entry_matches(stored: &StoredEntry, draft: &EntryDraft, receipt: &Receipt) {
        assert_eq!(stored.entry, draft.sequence(receipt.index, receipt.time));
        assert_eq!(liuhen_core::merkle::leaf_hash(&stored.entry.canonical_bytes()), receipt.leaf_hash);
        assert_eq!(stored.payload_json.as_bytes(), canonical_payload_bytes(&draft.payload));
    }

    /// Runs `liuhen verify`'s ledger check.
    pub async fn verify(store: &Arc<dyn MetaStore>, ledger: &Ledger) -> Report {
        let mut report = Report::default();
        verify_ledger(store, &verifiers(ledger), ORIGIN, &mut report).await.expect("verification runs to the end");
        report
    }

    /// Waits (at most 10 s) for a checkpoint of at least `size` to be stored.
    pub async fn wait_for_checkpoint(store: &dyn MetaStore, size: u64) -> StoredCheckpoint {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(checkpoint) = store.latest_checkpoint().await.unwrap() {
                if checkpoint.size >= size {
                    return checkpoint;
                }
            }
            assert!(tokio::time::Instant::now() < deadline, "no checkpoint of size {size} was signed within 10 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

mod appending {
    //! Appends: one index each, in time order, atomically with their state
    //! changes, across restarts and across processes.

    use std::sync::Arc;

    use jiff::Timestamp;
    use liuhen_core::entity::{Role, User};
    use liuhen_core::entry::{canonical_payload_bytes, EntryDraft};
    use liuhen_core::id::UserId;
    use liuhen_core::merkle::{frontier_ids, Frontier};
    use liuhen_core::mutation::{action, Mutation};
    use liuhen_core::proof::{verify_consistency_proof, verify_inclusion_proof, ConsistencyProof, InclusionProof};
    use liuhen_ledger::LedgerError;
    use liuhen_store::{CommitBatch, CommitItem, MetaStore, StoreError};

    use crate::support::{
        assert_entry_matches, draft, record_concurrently, record_each, root_of, signing_key, start, verifiers, verify, Database,
    };

    on_every_backend!(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        concurrent_records_take_each_index_once(store),
        #[tokio::test]
        a_refused_request_fails_alone(store),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        a_restarted_ledger_continues_the_tree(database),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        two_ledgers_on_one_database_share_the_indexes(database),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        entries_another_process_left_unsigned_are_covered_here(store),
    );

    async fn concurrent_records_take_each_index_once(store: Arc<dyn MetaStore>) {
        let ledger = Arc::new(start(store.clone(), &signing_key()).await);
        let recorded = record_concurrently(&ledger, 100, 3, 0).await;
        let indexes: Vec<u64> = recorded.iter().map(|(_, receipt)| receipt.index).collect();
        assert_eq!(indexes, (0..300).collect::<Vec<_>>());
        assert!(recorded.windows(2).all(|pair| pair[0].1.time <= pair[1].1.time), "entry times go backwards somewhere");
        for (draft, receipt) in &recorded {
            assert_entry_matches(&ledger.entry(receipt.index).await.unwrap(), draft, receipt);
        }
        assert_eq!(store.ledger_size().await.unwrap(), 300);

        // The signed tree is the tree of exactly these leaves, and every
        // entry's proof checks out against it offline.
        let leaves: Vec<_> = recorded.iter().map(|(_, receipt)| receipt.leaf_hash).collect();
        let checkpoint = ledger.checkpoint().await.unwrap().expect("a checkpoint of a non-empty ledger");
        assert_eq!((checkpoint.size, checkpoint.root), (300, root_of(&leaves)));
        let verifiers = verifiers(&ledger);
        for (index, leaf) in leaves.iter().enumerate() {
            let proof = ledger.inclusion_proof(index as u64).await.unwrap();
            let proof = InclusionProof::parse(&proof.to_text()).unwrap();
            let signed = verify_inclusion_proof(&proof, leaf, &verifiers).unwrap();
            assert_eq!((signed.size, signed.root), (300, checkpoint.root));
        }
        // Every checkpoint signed on the way, automatically or not, is a
        // prefix of the final tree.
        let earlier = store.checkpoints().await.unwrap();
        assert!(!earlier.is_empty());
        for old in earlier {
            let proof = ledger.consistency_proof(old.size).await.unwrap();
            let proof = ConsistencyProof::parse(&proof.to_text()).unwrap();
            assert_eq!((proof.old_size, proof.old_root), (old.size, old.root));
            assert_eq!(old.root, root_of(&leaves[..old.size as usize]));
            assert_eq!(verify_consistency_proof(&proof, &verifiers).unwrap().size, 300);
        }
        let report = verify(&store, &ledger).await;
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.entries_checked, 300);
    }

    fn new_user(login: &str) -> User {
        User {
            id: UserId::new(),
            login: login.into(),
            display_name: format!("执法人员 {login}"),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            roles: vec![Role::Officer],
            officer_id: None,
            disabled: false,
        }
    }

    fn creating(user: &User) -> (EntryDraft, Vec<Mutation>) {
        let draft = EntryDraft::new("cli:值班员", action::USER_CREATED)
            .subject(user.id.subject())
            .payload(serde_json::json!({"login": user.login}));
        (draft, vec![Mutation::CreateUser(user.clone())])
    }

    /// Requests waiting together are committed as one batch; when one of
    /// them is refused (a login that exists), only that one fails and the
    /// others are recorded with their state changes.
    async fn a_refused_request_fails_alone(store: Arc<dyn MetaStore>) {
        let ledger = start(store.clone(), &signing_key()).await;
        let existing = new_user("zhangwei");
        let (draft, mutations) = creating(&existing);
        ledger.record(draft, mutations).await.unwrap();

        let newcomers: Vec<User> = ["lina", "wangfang", "chenjing", "liuyang", "zhaolei"].map(new_user).to_vec();
        let impostor = new_user("zhangwei");
        let mut requests: Vec<_> = newcomers.iter().map(creating).collect();
        requests.insert(2, creating(&impostor));
        // On this single-threaded runtime every request is queued before
        // the sequencer runs, so they all arrive in one batch.
        let results = futures::future::join_all(requests.into_iter().map(|(draft, mutations)| ledger.record(draft, mutations))).await;

        match &results[2] {
            Err(LedgerError::Store(StoreError::Conflict(message))) => {
                assert!(message.contains("nothing was changed"), "{message}")
            }
            other => panic!("a second user with login zhangwei gave {other:?}"),
        }
        let mut indexes: Vec<u64> = results
            .iter()
            .enumerate()
            .filter(|(position, _)| *position != 2)
            .map(|(_, result)| result.as_ref().expect("the other requests are recorded").index)
            .collect();
        indexes.sort();
        assert_eq!(indexes, [1, 2, 3, 4, 5]);
        for newcomer in &newcomers {
            assert_eq!(store.user_by_login(&newcomer.login).await.unwrap().as_ref(), Some(newcomer));
        }
        assert_eq!(store.user(impostor.id).await.unwrap(), None);
        assert_eq!(store.user_by_login("zhangwei").await.unwrap(), Some(existing));
        assert_eq!(store.ledger_size().await.unwrap(), 6);
        ledger.checkpoint().await.unwrap();
        let report = verify(&store, &ledger).await;
        assert!(report.ok(), "{:?}", report.problems);
    }

    /// After a shutdown, a ledger started on the same database (a new
    /// process) reloads the tree's frontier and appends where the old one
    /// stopped; proofs over the whole tree still verify.
    async fn a_restarted_ledger_continues_the_tree(database: &Database) {
        let key = signing_key();
        let first = start(database.store.clone(), &key).await;
        let mut receipts = record_each(&first, 0..13).await;
        first.shutdown().await.unwrap();
        let final_checkpoint = database.store.latest_checkpoint().await.unwrap().expect("shutdown signs a checkpoint");
        assert_eq!(final_checkpoint.size, 13);

        let store = database.open_again().await;
        let second = start(store.clone(), &key).await;
        let continued = record_each(&second, 13..21).await;
        assert_eq!(continued.iter().map(|receipt| receipt.index).collect::<Vec<_>>(), (13..21).collect::<Vec<_>>());
        assert!(continued[0].time >= receipts[12].time, "time went backwards across the restart");
        receipts.extend(continued);
        for receipt in &receipts {
            assert_entry_matches(&second.entry(receipt.index).await.unwrap(), &draft(receipt.index), receipt);
        }

        let leaves: Vec<_> = receipts.iter().map(|receipt| receipt.leaf_hash).collect();
        let checkpoint = second.checkpoint().await.unwrap().unwrap();
        assert_eq!((checkpoint.size, checkpoint.root), (21, root_of(&leaves)));
        let verifiers = verifiers(&second);
        for (index, leaf) in leaves.iter().enumerate() {
            let proof = second.inclusion_proof(index as u64).await.unwrap();
            assert_eq!(verify_inclusion_proof(&proof, leaf, &verifiers).unwrap().size, 21);
        }
        let proof = second.consistency_proof(13).await.unwrap();
        assert_eq!(proof.old_root, final_checkpoint.root);
        assert_eq!(verify_consistency_proof(&proof, &verifiers).unwrap().size, 21);
        let report = verify(&store, &second).await;
        assert!(report.ok(), "{:?}", report.problems);

        // The stopped ledger takes no more requests. (Asked last: a request
        // racing a shutdown can still be committed although it is answered
        // `Closed`, because `shutdown` aborts the sequencer task.)
        assert!(matches!(first.record(draft(99), Vec::new()).await, Err(LedgerError::Closed)));
    }

    /// Two servers on one database (each with its own pool and sequencer)
    /// append at the same time: every entry gets its own index, no receipt
    /// names an entry that is not there, and the ledger verifies.
    async fn two_ledgers_on_one_database_share_the_indexes(database: &Database) {
        let key = signing_key();
        let first = Arc::new(start(database.store.clone(), &key).await);
        let second = Arc::new(start(database.open_again().await, &key).await);
        let (mut recorded, from_second) = tokio::join!(record_concurrently(&first, 25, 4, 0), record_concurrently(&second, 25, 4, 1000),);
        recorded.extend(from_second);
        recorded.sort_by_key(|(_, receipt)| receipt.index);
        let indexes: Vec<u64> = recorded.iter().map(|(_, receipt)| receipt.index).collect();
        assert_eq!(indexes, (0..200).collect::<Vec<_>>());
        assert!(recorded.windows(2).all(|pair| pair[0].1.time <= pair[1].1.time), "entry times go backwards somewhere");
        for (draft, receipt) in &recorded {
            assert_entry_matches(&database.store.ledger_entry(receipt.index).await.unwrap().unwrap(), draft, receipt);
        }

        // Either ledger proves entries the other wrote.
        let leaves: Vec<_> = recorded.iter().map(|(_, receipt)| receipt.leaf_hash).collect();
        for ledger in [&first, &second] {
            let checkpoint = ledger.checkpoint().await.unwrap().unwrap();
            assert_eq!((checkpoint.size, checkpoint.root), (200, root_of(&leaves)));
            for index in [0, 57, 101, 199] {
                let proof = ledger.inclusion_proof(index).await.unwrap();
                verify_inclusion_proof(&proof, &leaves[index as usize], &verifiers(ledger)).unwrap();
            }
        }
        let report = verify(&database.store, &first).await;
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.entries_checked, 200);
    }

    /// Another process (a CLI run beside the server) commits an entry and
    /// stops before it signs a checkpoint. This ledger's next checkpoint
    /// covers that entry, it proves it, and it appends after it.
    async fn entries_another_process_left_unsigned_are_covered_here(store: Arc<dyn MetaStore>) {
        let ledger = start(store.clone(), &signing_key()).await;
        record_each(&ledger, 0..3).await;
        assert_eq!(ledger.checkpoint().await.unwrap().unwrap().size, 3);

        // The other process: it reads the frontier, commits entry 3 with
        // its nodes, and is gone.
        let stored_frontier = store.ledger_nodes(&frontier_ids(3)).await.unwrap().into_iter().map(Option::unwrap).collect();
        let mut frontier = Frontier::from_parts(3, stored_frontier).unwrap();
        let other = draft(3);
        let entry = other.sequence(3, Timestamp::now());
        let nodes = frontier.push(entry.leaf_hash());
        let payload_json = String::from_utf8(canonical_payload_bytes(&other.payload)).unwrap();
        let item = CommitItem { entry: entry.clone(), payload_json, mutations: Vec::new() };
        store.commit(&CommitBatch { expected_size: 3, items: vec![item], nodes }).await.unwrap();

        let checkpoint = ledger.checkpoint().await.unwrap().unwrap();
        assert_eq!((checkpoint.size, checkpoint.root), (4, frontier.root()));
        let proof = ledger.inclusion_proof(3).await.unwrap();
        assert_eq!(verify_inclusion_proof(&proof, &entry.leaf_hash(), &verifiers(&ledger)).unwrap().size, 4);
        let next = ledger.record(draft(4), Vec::new()).await.unwrap();
        assert_eq!(next.index, 4);
        assert!(next.time >= entry.time, "time went backwards past the other process's entry");
        ledger.checkpoint().await.unwrap();
        let report = verify(&store, &ledger).await;
        assert!(report.ok(), "{:?}", report.problems);
    }
}

mod checkpoints {
    //! Signed checkpoints: on request, and by themselves after appends.

    use std::sync::Arc;

    use liuhen_core::note::{open_note, Checkpoint, Ed25519NoteSigner, NoteError, NoteVerifier};
    use liuhen_store::MetaStore;

    use crate::support::{record_each, root_of, signing_key, start, wait_for_checkpoint, ORIGIN};

    on_every_backend!(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        a_checkpoint_is_a_signed_note_of_the_tree(store),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        checkpoints_follow_appends_by_themselves(store),
    );

    async fn a_checkpoint_is_a_signed_note_of_the_tree(store: Arc<dyn MetaStore>) {
        let ledger = start(store.clone(), &signing_key()).await;
        assert_eq!(ledger.checkpoint().await.unwrap(), None, "an empty ledger has nothing to sign");

        let receipts = record_each(&ledger, 0..5).await;
        let leaves: Vec<_> = receipts.iter().map(|receipt| receipt.leaf_hash).collect();
        let checkpoint = ledger.checkpoint().await.unwrap().expect("a checkpoint");
        let verifier = NoteVerifier::from_vkey(&ledger.verifier_key()).unwrap();
        let opened = open_note(&checkpoint.signed_note, std::slice::from_ref(&verifier)).unwrap();
        assert_eq!(opened.verified_by, [ORIGIN]);
        let signed = Checkpoint::parse(&opened.text).unwrap();
        assert_eq!((signed.origin.as_str(), signed.size, signed.root), (ORIGIN, 5, root_of(&leaves)));
        assert_eq!((checkpoint.size, checkpoint.root), (5, signed.root));
        let stored = store.latest_checkpoint().await.unwrap().unwrap();
        assert_eq!((stored.size, &stored.signed_note), (5, &checkpoint.signed_note));

        // Asking again without appends signs nothing new.
        let signed_so_far = store.checkpoints().await.unwrap();
        let again = ledger.checkpoint().await.unwrap().unwrap();
        assert_eq!(again.signed_note, checkpoint.signed_note);
        assert_eq!(store.checkpoints().await.unwrap(), signed_so_far);

        // A key of the same name that is not this ledger's verifies nothing.
        let stranger = Ed25519NoteSigner::new(ORIGIN, signing_key()).unwrap().verifier();
        assert_eq!(open_note(&checkpoint.signed_note, &[stranger]).unwrap_err(), NoteError::NoTrustedSignature { unknown: 1 });
    }

    async fn checkpoints_follow_appends_by_themselves(store: Arc<dyn MetaStore>) {
        let ledger = start(store.clone(), &signing_key()).await;
        let mut receipts = record_each(&ledger, 0..3).await;
        let checkpoint = wait_for_checkpoint(store.as_ref(), 3).await;
        let leaves: Vec<_> = receipts.iter().map(|receipt| receipt.leaf_hash).collect();
        assert_eq!((checkpoint.size, checkpoint.root), (3, root_of(&leaves)));

        receipts.extend(record_each(&ledger, 3..7).await);
        let checkpoint = wait_for_checkpoint(store.as_ref(), 7).await;
        let leaves: Vec<_> = receipts.iter().map(|receipt| receipt.leaf_hash).collect();
        assert_eq!((checkpoint.size, checkpoint.root), (7, root_of(&leaves)));
        let verifier = NoteVerifier::from_vkey(&ledger.verifier_key()).unwrap();
        for stored in store.checkpoints().await.unwrap() {
            let signed = Checkpoint::parse(&open_note(&stored.signed_note, std::slice::from_ref(&verifier)).unwrap().text).unwrap();
            assert_eq!((signed.size, signed.root), (stored.size, root_of(&leaves[..stored.size as usize])));
        }
    }
}

mod proofs {
    //! Inclusion and consistency proofs at every size, in their text form,
    //! and requests that cannot be answered.

    use std::sync::Arc;

    use liuhen_core::merkle::MerkleError;
    use liuhen_core::note::{Ed25519NoteSigner, NoteError};
    use liuhen_core::proof::{verify_consistency_proof, verify_inclusion_proof, ConsistencyProof, InclusionProof, ProofError};
    use liuhen_ledger::LedgerError;
    use liuhen_store::MetaStore;

    use crate::support::{draft, record_each, root_of, signing_key, start, verifiers, ORIGIN};

    on_every_backend!(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        every_proof_verifies_at_every_size(store),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        unanswerable_requests_are_refused_clearly(store),
    );

    /// The ledger grows one entry at a time to 40; at every size, the
    /// inclusion proof of every entry and the consistency proof from every
    /// earlier size verify offline, after a round trip through their text.
    async fn every_proof_verifies_at_every_size(store: Arc<dyn MetaStore>) {
        let ledger = start(store.clone(), &signing_key()).await;
        let verifiers = verifiers(&ledger);
        let mut leaves = Vec::new();
        // roots[n] is the signed root at size n.
        let mut roots = vec![liuhen_core::merkle::empty_root()];
        for size in 1..=40u64 {
            let receipt = ledger.record(draft(size - 1), Vec::new()).await.unwrap();
            assert_eq!(receipt.index, size - 1);
            leaves.push(receipt.leaf_hash);
            let checkpoint = ledger.checkpoint().await.unwrap().unwrap();
            assert_eq!((checkpoint.size, checkpoint.root), (size, root_of(&leaves)));
            roots.push(checkpoint.root);

            for index in 0..size {
                let proof = ledger.inclusion_proof(index).await.unwrap();
                assert_eq!(proof.index, index);
                let text = proof.to_text();
                assert!(text.starts_with("c2sp.org/tlog-proof@v1\n"), "{text}");
                let parsed = InclusionProof::parse(&text).unwrap();
                assert_eq!(parsed, proof);
                let signed = verify_inclusion_proof(&parsed, &leaves[index as usize], &verifiers).unwrap();
                assert_eq!((signed.origin.as_str(), signed.size, signed.root), (ORIGIN, size, checkpoint.root));
            }
            for old_size in 1..=size {
                let proof = ledger.consistency_proof(old_size).await.unwrap();
                let parsed = ConsistencyProof::parse(&proof.to_text()).unwrap();
                assert_eq!(parsed, proof);
                assert_eq!((parsed.old_size, parsed.old_root), (old_size, roots[old_size as usize]));
                let signed = verify_consistency_proof(&parsed, &verifiers).unwrap();
                assert_eq!((signed.size, signed.root), (size, checkpoint.root));
            }
        }

        // The checks are not vacuous: another leaf, another old root or
        // another key fails.
        let proof = ledger.inclusion_proof(3).await.unwrap();
        assert_eq!(verify_inclusion_proof(&proof, &leaves[4], &verifiers).unwrap_err(), ProofError::Merkle(MerkleError::RootMismatch));
        let stranger = [Ed25519NoteSigner::new(ORIGIN, signing_key()).unwrap().verifier()];
        assert!(matches!(
            verify_inclusion_proof(&proof, &leaves[3], &stranger),
            Err(ProofError::Note(NoteError::NoTrustedSignature { .. }))
        ));
        let mut proof = ledger.consistency_proof(17).await.unwrap();
        proof.old_root = roots[16];
        assert!(matches!(verify_consistency_proof(&proof, &verifiers), Err(ProofError::Merkle(_))));
    }

    async fn unanswerable_requests_are_refused_clearly(store: Arc<dyn MetaStore>) {
        let ledger = start(store.clone(), &signing_key()).await;
        assert!(matches!(ledger.inclusion_proof(0).await, Err(LedgerError::NoSuchEntry { index: 0, size: 0 })));
        assert!(matches!(ledger.entry(0).await, Err(LedgerError::NoSuchEntry { index: 0, size: 0 })));
        assert!(ledger.consistency_proof(1).await.is_err(), "an empty ledger has no size to be consistent with");

        record_each(&ledger, 0..5).await;
        for index in [5, 6, 1000, u64::MAX] {
            match ledger.inclusion_proof(index).await {
                Err(error @ LedgerError::NoSuchEntry { index: reported, size: 5 }) => {
                    assert_eq!(reported, index);
                    assert_eq!(error.to_string(), format!("entry {index} does not exist: the ledger has 5 entries"));
                }
                other => panic!("an inclusion proof of entry {index} of 5 gave {other:?}"),
            }
            assert!(matches!(ledger.entry(index).await, Err(LedgerError::NoSuchEntry { size: 5, .. })));
        }
        for old_size in [0, 6, 1000] {
            match ledger.consistency_proof(old_size).await {
                Err(error @ LedgerError::BadOldSize { old_size: reported, size: 5 }) => {
                    assert_eq!(reported, old_size);
                    assert!(error.to_string().contains("between 1 and 5"), "{error}");
                }
                other => panic!("a consistency proof from size {old_size} to 5 gave {other:?}"),
            }
        }
        // The refusals changed nothing.
        assert_eq!(store.ledger_size().await.unwrap(), 5);
        assert_eq!(store.checkpoints().await.unwrap().last().map(|checkpoint| checkpoint.size), Some(5));
    }
}

mod verification {
    //! `liuhen verify`: a clean ledger verifies; each kind of damage done
    //! behind the ledger's back is reported as exactly that damage.

    use std::path::Path;
    use std::sync::Arc;

    use jiff::Timestamp;
    use liuhen_core::entity::{MediaRecord, Role, User};
    use liuhen_core::entry::{truncate_to_micros, EntryDraft};
    use liuhen_core::id::{DisposalId, MediaId, UserId};
    use liuhen_core::mutation::{action, Mutation};
    use liuhen_core::note::NoteError;
    use liuhen_core::pack::RetentionKind;
    use liuhen_core::retention::{DisposalApproval, DisposalList, Tombstone};
    use liuhen_ledger::verify::{verify_blobs, Notice, Problem, Report};
    use liuhen_ledger::Ledger;
    use liuhen_store::{MetaStore, StoredCheckpoint};
    use liuhen_vault::{blob_key, Vault, VaultLocation};

    use crate::support::{record_concurrently, record_each, signing_key, start, verify, Database, ORIGIN};

    on_every_backend!(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        an_altered_action_is_found(database),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        an_altered_payload_is_found(database),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        a_deleted_entry_is_found(database),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        deleted_last_entries_are_found(database),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        a_forged_checkpoint_signature_is_found(database),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        a_forgery_past_a_gap_at_a_page_end_is_still_found(database),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        altered_and_missing_blobs_are_found(store),
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        disposed_records_are_not_reported(store),
    );

    /// A fresh ledger of 20 entries, checkpointed at 10 (and wherever the
    /// interval fell) and at 20 when it shut down; verified clean.
    async fn clean_ledger(database: &Database) -> (Ledger, Vec<StoredCheckpoint>) {
        let ledger = start(database.store.clone(), &signing_key()).await;
        record_each(&ledger, 0..10).await;
        ledger.checkpoint().await.unwrap();
        record_each(&ledger, 10..20).await;
        ledger.shutdown().await.unwrap();
        let checkpoints = database.store.checkpoints().await.unwrap();
        assert!(checkpoints.iter().any(|checkpoint| checkpoint.size == 10));
        assert_eq!(checkpoints.last().map(|checkpoint| checkpoint.size), Some(20));
        let report = verify(&database.store, &ledger).await;
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!((report.entries_checked, report.checkpoints_checked), (20, checkpoints.len() as u64));
        (ledger, checkpoints)
    }

    async fn an_altered_action_is_found(database: &Database) {
        let (ledger, checkpoints) = clean_ledger(database).await;
        assert_eq!(database.execute("UPDATE ledger_entries SET action = 'media.deleted' WHERE idx = 7").await, 1);
        let report = verify(&database.store, &ledger).await;
        // The tree rebuilt from the entries no longer matches any signed
        // checkpoint that covers the altered entry, and the entry no longer
        // hashes to its stored leaf (found when verify goes back to name it).
        let mut expected: Vec<Problem> = checkpoints
            .iter()
            .filter(|checkpoint| checkpoint.size > 7)
            .map(|checkpoint| Problem::CheckpointMismatch { size: checkpoint.size })
            .collect();
        expected.push(Problem::EntryAltered { index: 7 });
        assert_eq!(report.problems, expected);
        assert!(!report.ok());
    }

    async fn an_altered_payload_is_found(database: &Database) {
        let (ledger, _) = clean_ledger(database).await;
        let altered = r#"UPDATE ledger_entries SET payload = '{"number":7,"原因":"已删除"}' WHERE idx = 7"#;
        assert_eq!(database.execute(altered).await, 1);
        let report = verify(&database.store, &ledger).await;
        assert_eq!(report.problems, [Problem::PayloadAltered { index: 7 }]);
    }

    async fn a_deleted_entry_is_found(database: &Database) {
        let (ledger, _) = clean_ledger(database).await;
        assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx = 7").await, 1);
        let report = verify(&database.store, &ledger).await;
        // Its leaf survives in the tree, so the checkpoints still match.
        assert_eq!(report.problems, [Problem::EntryMissing { index: 7 }]);
        assert_eq!(report.entries_checked, 19);
    }

    async fn deleted_last_entries_are_found(database: &Database) {
        let (ledger, checkpoints) = clean_ledger(database).await;
        assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx >= 17").await, 3);
        let report = verify(&database.store, &ledger).await;
        let expected: Vec<_> = checkpoints
            .iter()
            .filter(|checkpoint| checkpoint.size > 17)
            .map(|checkpoint| Problem::LedgerTruncated { checkpoint_size: checkpoint.size, ledger_size: 17 })
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(report.problems, expected);
    }

    async fn a_forged_checkpoint_signature_is_found(database: &Database) {
        let (ledger, checkpoints) = clean_ledger(database).await;
        let target = checkpoints.iter().find(|checkpoint| checkpoint.size == 10).unwrap();
        // The last line is `— <key name> <base64 key id and signature>`;
        // one base64 character well inside the signature is changed.
        let signature_start = target.signed_note.rfind(' ').unwrap() + 1;
        let position = signature_start + 30;
        let original = &target.signed_note[position..position + 1];
        let replacement = if original == "A" { "B" } else { "A" };
        let forged = format!("{}{}{}", &target.signed_note[..position], replacement, &target.signed_note[position + 1..]);
        let sql = format!("UPDATE ledger_checkpoints SET signed_note = '{}' WHERE size = 10", forged.replace('\'', "''"));
        assert_eq!(database.execute(&sql).await, 1);
        let report = verify(&database.store, &ledger).await;
        assert_eq!(
            report.problems,
            [Problem::CheckpointInvalid { size: 10, reason: NoteError::InvalidSignature { name: ORIGIN.into() }.to_string() }]
        );
    }

    /// Verification reads the ledger 8192 entries at a time. A row missing
    /// at the very end of a page must not stop the tree from being rebuilt
    /// from the surviving leaf: an entry altered later, together with its
    /// stored leaf (so that it still matches its leaf), is then still found,
    /// as signed checkpoints the rebuilt tree no longer matches.
    async fn a_forgery_past_a_gap_at_a_page_end_is_still_found(database: &Database) {
        let ledger = Arc::new(start(database.store.clone(), &signing_key()).await);
        let recorded = record_concurrently(&ledger, 100, 83, 0).await;
        assert_eq!(recorded.len(), 8300);
        ledger.shutdown().await.unwrap();
        let checkpoints = database.store.checkpoints().await.unwrap();

        let mut forged = database.store.ledger_entry(8200).await.unwrap().unwrap().entry;
        forged.action = "media.deleted".into();
        assert_eq!(database.execute("UPDATE ledger_entries SET action = 'media.deleted' WHERE idx = 8200").await, 1);
        let leaf = database.bytes_literal(&forged.leaf_hash());
        assert_eq!(database.execute(&format!("UPDATE ledger_nodes SET hash = {leaf} WHERE level = 0 AND idx = 8200")).await, 1);
        assert_eq!(database.execute("DELETE FROM ledger_entries WHERE idx = 8191").await, 1);

        let report = verify(&database.store, &ledger).await;
        let mut expected = vec![Problem::EntryMissing { index: 8191 }];
        expected.extend(
            checkpoints
                .iter()
                .filter(|checkpoint| checkpoint.size > 8200)
                .map(|checkpoint| Problem::CheckpointMismatch { size: checkpoint.size }),
        );
        assert_eq!(report.problems, expected);
    }

    /// Makes a small real recording, photo and sound file with ffmpeg.
    fn make_media(directory: &Path) -> Vec<std::path::PathBuf> {
        let recipes: [(&str, &[&str]); 3] = [
            ("DSJ_20261123_083000.mp4", &["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10", "-c:v", "mpeg4"]),
            ("现场照片.jpg", &["-f", "lavfi", "-i", "testsrc=size=160x120", "-frames:v", "1"]),
            ("询问录音.wav", &["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]),
        ];
        recipes
            .iter()
            .map(|(name, arguments)| {
                let path = directory.join(name);
                let status = std::process::Command::new("ffmpeg")
                    .args(["-hide_banner", "-loglevel", "error", "-y"])
                    .args(*arguments)
                    .arg(&path)
                    .status()
                    .expect("ffmpeg runs (install it: apt-get install ffmpeg)");
                assert!(status.success(), "ffmpeg could not make {name}");
                path
            })
            .collect()
    }

    async fn check_blobs(store: &Arc<dyn MetaStore>, vault: &Vault) -> Report {
        let mut report = Report::default();
        verify_blobs(store.as_ref(), vault, &mut report).await.expect("blob verification runs to the end");
        report
    }

    /// Stores each of `paths` in the vault and records its media record.
    async fn store_media(ledger: &Ledger, vault: &Vault, paths: Vec<std::path::PathBuf>) -> Vec<MediaRecord> {
        let mut records = Vec::new();
        for path in paths {
            let stored = vault.put_file(&path).await.unwrap();
            let record = MediaRecord {
                id: MediaId::new(),
                sha256: stored.digests.sha256,
                sm3: stored.digests.sm3,
                size: stored.digests.size,
                original_name: Some(path.file_name().unwrap().to_string_lossy().into_owned()),
                stored_at: truncate_to_micros(Timestamp::now()),
                stored_by: "cli:值班员".into(),
                source_device: None,
            };
            let draft = EntryDraft::new("cli:值班员", action::MEDIA_STORED)
                .subject(record.id.subject())
                .payload(serde_json::json!({"sha256": record.sha256, "size": record.size, "name": record.original_name}));
            ledger.record(draft, vec![Mutation::CreateMedia(record.clone())]).await.unwrap();
            records.push(record);
        }
        records
    }

    async fn altered_and_missing_blobs_are_found(store: Arc<dyn MetaStore>) {
        let ledger = start(store.clone(), &signing_key()).await;
        let work = tempfile::tempdir().unwrap();
        let vault_root = work.path().join("vault");
        let vault = Vault::open(VaultLocation::Filesystem(vault_root.clone())).await.unwrap();
        let originals = work.path().join("camera");
        std::fs::create_dir(&originals).unwrap();
        let records = store_media(&ledger, &vault, make_media(&originals)).await;
        let report = check_blobs(&store, &vault).await;
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.blobs_checked, 3);
        assert_eq!((report.vault_files_listed, report.notices.as_slice()), (3, &[][..]));

        // What a put killed after it published and before its entry leaves
        // (the vault's own publishing, with nothing recorded), and a file
        // dropped into the blob area by hand: each named, neither a problem.
        let unrecorded_file = work.path().join("未登记.mp4");
        std::fs::write(&unrecorded_file, b"published, never recorded").unwrap();
        let unrecorded = vault.put_file(&unrecorded_file).await.unwrap().digests.sha256;
        std::fs::write(vault_root.join("blobs").join(format!("{unrecorded}.copy")), b"by hand").unwrap();
        let report = check_blobs(&store, &vault).await;
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.vault_files_listed, 5);
        let mut notices = report.notices.clone();
        notices.sort_by_key(ToString::to_string);
        assert_eq!(notices, [Notice::StrayFile { key: format!("blobs/{unrecorded}.copy") }, Notice::BlobUnrecorded { sha256: unrecorded }]);
        assert!(notices[1].to_string().contains("run it again"), "{}", notices[1]);
        std::fs::remove_file(vault_root.join("blobs").join(format!("{unrecorded}.copy"))).unwrap();
        store_media(&ledger, &vault, vec![unrecorded_file]).await;
        let report = check_blobs(&store, &vault).await;
        assert_eq!((report.blobs_checked, report.vault_files_listed, report.notices.as_slice()), (4, 4, &[][..]));

        // One byte of the recording flipped on disk (published blobs are
        // read-only, so as an intruder would, make it writable first), and
        // the sound file deleted.
        let [recording, photo, sound] = [&records[0], &records[1], &records[2]];
        let recording_path = vault_root.join(blob_key(&recording.sha256));
        let mut permissions = std::fs::metadata(&recording_path).unwrap().permissions();
        assert!(permissions.readonly(), "published blobs are read-only");
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&recording_path, permissions).unwrap();
        let mut bytes = std::fs::read(&recording_path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&recording_path, bytes).unwrap();
        std::fs::remove_file(vault_root.join(blob_key(&sound.sha256))).unwrap();

        let report = check_blobs(&store, &vault).await;
        assert_eq!(report.blobs_checked, 4);
        match report.problems.as_slice() {
            [Problem::BlobAltered { sha256, media_id, detail }, Problem::BlobMissing { sha256: missing, media_id: missing_id }] => {
                assert_eq!((sha256, media_id), (&recording.sha256, &recording.id));
                assert!(detail.contains("SHA-256 is now") && detail.contains("SM3 is now"), "{detail}");
                assert!(!detail.contains("size"), "the size did not change: {detail}");
                assert_eq!((missing, missing_id), (&sound.sha256, &sound.id));
            }
            other => panic!("expected the recording altered and the sound missing, got {other:?}"),
        }
        assert!(!report.problems.iter().any(|problem| problem.to_string().contains(&photo.sha256.to_hex())));
        // The ledger itself is untouched.
        ledger.checkpoint().await.unwrap();
        assert!(verify(&store, &ledger).await.ok());
    }

    /// Records disposed of at the end of their retention, from an approved
    /// list, are not reported: neither the file deleted as approved, nor the
    /// one whose deletion was interrupted and is still there. A record not
    /// disposed of whose file is gone is still missing.
    async fn disposed_records_are_not_reported(store: Arc<dyn MetaStore>) {
        let ledger = start(store.clone(), &signing_key()).await;
        let work = tempfile::tempdir().unwrap();
        let vault_root = work.path().join("vault");
        let vault = Vault::open(VaultLocation::Filesystem(vault_root.clone())).await.unwrap();
        let originals = work.path().join("camera");
        std::fs::create_dir(&originals).unwrap();
        let records = store_media(&ledger, &vault, make_media(&originals)).await;
        let [recording, photo, sound] = [&records[0], &records[1], &records[2]];

        let leader = User {
            id: UserId::new(),
            login: "chenjing".into(),
            display_name: "陈静（中队长）".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            roles: vec![Role::UnitLeader],
            officer_id: None,
            disabled: false,
        };
        let list = DisposalList {
            id: DisposalId::new(),
            media: vec![photo.id, sound.id],
            proposed_at: truncate_to_micros(Timestamp::now()),
            proposed_by: "system:retention".into(),
            approval: None,
        };
        let approval = DisposalApproval {
            list: list.id,
            approver: leader.id,
            approver_name: leader.display_name.clone(),
            note: "巡查记录已超过保存期限，同意销毁".into(),
            at: truncate_to_micros(Timestamp::now()),
        };
        let record = |action: &str, subject: String, mutation: Mutation| {
            let draft = EntryDraft::new("cli:值班员", action).subject(subject).payload(serde_json::json!({"备注": "保存期限届满"}));
            ledger.record(draft, vec![mutation])
        };
        record(action::USER_CREATED, leader.id.subject(), Mutation::CreateUser(leader.clone())).await.unwrap();
        record(action::DISPOSAL_PROPOSED, list.id.subject(), Mutation::ProposeDisposal(Box::new(list.clone()))).await.unwrap();
        record(action::DISPOSAL_APPROVED, list.id.subject(), Mutation::ApproveDisposal(Box::new(approval))).await.unwrap();
        for media in [photo, sound] {
            let tombstone = Tombstone {
                media: media.clone(),
                list: list.id,
                approver: leader.id,
                class: Some(RetentionKind::Patrol),
                expired_at: truncate_to_micros(Timestamp::now()),
                disposed_at: truncate_to_micros(Timestamp::now()),
                disposed_by: "system:retention".into(),
            };
            record(action::MEDIA_DISPOSED, media.id.subject(), Mutation::DisposeMedia(Box::new(tombstone))).await.unwrap();
        }
        // The sound file deleted as approved; the photo's deletion
        // interrupted, so its file is still there. The recording, never
        // disposed of, deleted behind the ledger's back.
        std::fs::remove_file(vault_root.join(blob_key(&sound.sha256))).unwrap();
        std::fs::remove_file(vault_root.join(blob_key(&recording.sha256))).unwrap();

        let report = check_blobs(&store, &vault).await;
        assert_eq!(report.problems, [Problem::BlobMissing { sha256: recording.sha256, media_id: recording.id }]);
        assert_eq!((report.blobs_checked, report.blobs_disposed), (1, 2));
        assert_eq!(report.notices, [], "the photo's file is still a record's, disposed of or not");
        ledger.checkpoint().await.unwrap();
        assert!(verify(&store, &ledger).await.ok());
    }
}
