use super::*;
use rand::rngs::OsRng;

fn signer(name: &str) -> Ed25519NoteSigner {
    Ed25519NoteSigner::new(name, SigningKey::generate(&mut OsRng)).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint { origin: "liuhen.example/zhifa-jilu".to_owned(), size: 20_852_163, root: [0x5a; 32], extensions: Vec::new() }
}

/// The example of golang.org/x/mod/sumdb/note's package documentation
/// (the reference implementation signed-note grew out of): its private
/// key string, verifier key, text and signed note.
const GO_PRIVATE_KEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER_KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_SIGNED: &str = "If you think cryptography is the answer to your problem,\n\
                         then you don't know what your problem is.\n\
                         \n\
                         \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn published_go_example_verifies_and_is_reproduced_byte_for_byte() {
    let verifier = NoteVerifier::from_vkey(GO_VERIFIER_KEY).unwrap();
    assert_eq!(verifier.name(), "PeterNeumann");
    assert_eq!(verifier.key_id(), [0xc7, 0x4f, 0x20, 0xa3]);
    assert_eq!(verifier.vkey(), GO_VERIFIER_KEY);
    let opened = open_note(GO_SIGNED, &[verifier]).unwrap();
    assert_eq!(opened.text, GO_TEXT);
    assert_eq!(opened.verified_by, ["PeterNeumann"]);
    assert_eq!(opened.unknown_signatures, 0);

    // The private key string is PRIVATE+KEY+<name>+<id>+base64(0x01 || seed);
    // Ed25519 is deterministic, so signing again gives the same note.
    let encoded = GO_PRIVATE_KEY.splitn(5, '+').nth(4).unwrap();
    let decoded = BASE64.decode(encoded).unwrap();
    assert_eq!(decoded[0], ED25519_SIGNATURE_TYPE);
    let seed: [u8; 32] = decoded[1..].try_into().unwrap();
    let go_signer = Ed25519NoteSigner::new("PeterNeumann", SigningKey::from_bytes(&seed)).unwrap();
    assert_eq!(go_signer.verifier_key(), GO_VERIFIER_KEY);
    assert_eq!(sign_note(GO_TEXT, &[&go_signer]).unwrap(), GO_SIGNED);
}

#[test]
fn sign_then_open_round_trips_with_several_signers() {
    let log = signer("liuhen.example/log");
    let witness = signer("witness.example/w1");
    let text = checkpoint().to_note_text();
    let signed = sign_note(&text, &[&log, &witness]).unwrap();
    assert!(signed.starts_with(&format!("{text}\n\u{2014} liuhen.example/log ")));

    let opened = open_note(&signed, &[log.verifier(), witness.verifier()]).unwrap();
    assert_eq!(opened.text, text);
    assert_eq!(opened.verified_by, ["liuhen.example/log", "witness.example/w1"]);
    assert_eq!(opened.unknown_signatures, 0);
    assert_eq!(opened.verified_key_ids, [log.key_id(), witness.key_id()]);

    // Only the log key is trusted: the witness signature is ignored.
    let opened = open_note(&signed, &[log.verifier()]).unwrap();
    assert_eq!(opened.verified_by, ["liuhen.example/log"]);
    assert_eq!(opened.unknown_signatures, 1);
    assert_eq!(opened.verified_key_ids, [log.key_id()]);

    let verifier = NoteVerifier::from_vkey(&log.verifier_key()).unwrap();
    assert_eq!(verifier.name(), "liuhen.example/log");
    assert_eq!(verifier.key_id(), log.key_id());
    open_note(&signed, &[verifier]).unwrap();
}

#[test]
fn notes_with_empty_lines_split_at_the_last_blank_line() {
    let log = signer("liuhen.example/log");
    let text = "first paragraph\n\nsecond paragraph\n\n";
    let signed = sign_note(text, &[&log]).unwrap();
    assert_eq!(open_note(&signed, &[log.verifier()]).unwrap().text, text);
}

#[test]
fn tampered_text_or_signature_is_rejected() {
    let log = signer("liuhen.example/log");
    let signed = sign_note(&checkpoint().to_note_text(), &[&log]).unwrap();
    let verifiers = [log.verifier()];

    let tampered_text = signed.replacen("20852163", "20852164", 1);
    assert_eq!(open_note(&tampered_text, &verifiers).unwrap_err(), NoteError::InvalidSignature { name: "liuhen.example/log".to_owned() });

    // Flip one bit in the signature bytes (after the key id).
    let (head, line) = signed.rsplit_once("\u{2014} liuhen.example/log ").unwrap();
    let mut bytes = BASE64.decode(line.trim_end()).unwrap();
    bytes[10] ^= 0x01;
    let tampered_signature = format!("{head}\u{2014} liuhen.example/log {}\n", BASE64.encode(&bytes));
    assert_eq!(
        open_note(&tampered_signature, &verifiers).unwrap_err(),
        NoteError::InvalidSignature { name: "liuhen.example/log".to_owned() }
    );

    // A signature cut short is still a bad signature from a known key.
    bytes.truncate(20);
    let truncated = format!("{head}\u{2014} liuhen.example/log {}\n", BASE64.encode(&bytes));
    assert!(matches!(open_note(&truncated, &verifiers), Err(NoteError::InvalidSignature { .. })));
}

#[test]
fn signatures_from_other_keys_are_not_trusted() {
    let log = signer("liuhen.example/log");
    let impostor = signer("liuhen.example/log");
    let signed = sign_note(&checkpoint().to_note_text(), &[&impostor]).unwrap();
    // Same name, different key id: an unknown key, ignored.
    assert_eq!(open_note(&signed, &[log.verifier()]).unwrap_err(), NoteError::NoTrustedSignature { unknown: 1 });
    assert_eq!(open_note(&signed, &[]).unwrap_err(), NoteError::NoTrustedSignature { unknown: 1 });

    // Same name and key id as a trusted key but signed by another key: a
    // forgery attempt that must fail loudly, not be skipped.
    struct Forger(Ed25519NoteSigner, [u8; 4]);
    impl NoteSigner for Forger {
        fn name(&self) -> &str {
            self.0.name()
        }
        fn key_id(&self) -> [u8; 4] {
            self.1
        }
        fn sign(&self, message: &[u8]) -> Vec<u8> {
            self.0.sign(message)
        }
        fn verifier_key(&self) -> String {
            self.0.verifier_key()
        }
    }
    let forger = Forger(signer("liuhen.example/log"), log.key_id());
    let forged = sign_note(&checkpoint().to_note_text(), &[&forger, &log]).unwrap();
    assert_eq!(open_note(&forged, &[log.verifier()]).unwrap_err(), NoteError::InvalidSignature { name: "liuhen.example/log".to_owned() });
}

#[test]
fn duplicate_and_ambiguous_keys_are_rejected() {
    let log = signer("liuhen.example/log");
    let signed = sign_note(&checkpoint().to_note_text(), &[&log, &log]).unwrap();
    assert_eq!(open_note(&signed, &[log.verifier()]).unwrap_err(), NoteError::DuplicateSignature { name: "liuhen.example/log".to_owned() });
    let once = sign_note(&checkpoint().to_note_text(), &[&log]).unwrap();
    // The same trusted key listed twice is harmless.
    open_note(&once, &[log.verifier(), log.verifier()]).unwrap();
}

#[test]
fn verifier_keys_are_checked() {
    let log = signer("liuhen.example/log");
    let vkey = log.verifier_key();
    let (name, rest) = vkey.split_once('+').unwrap();
    let (key_id, key) = rest.split_once('+').unwrap();

    let wrong_id = format!("{name}+{}+{key}", if key_id == "00000000" { "00000001" } else { "00000000" });
    assert!(matches!(NoteVerifier::from_vkey(&wrong_id), Err(NoteError::KeyIdMismatch { .. })));
    let renamed = format!("other.example/log+{key_id}+{key}");
    assert!(matches!(NoteVerifier::from_vkey(&renamed), Err(NoteError::KeyIdMismatch { .. })));
    let upper = format!("{name}+{}+{key}", key_id.to_uppercase());
    assert_eq!(NoteVerifier::from_vkey(&upper).unwrap().key_id(), log.key_id());

    let mut other_type = BASE64.decode(key).unwrap();
    other_type[0] = 0x02;
    let other_type = format!("{name}+{key_id}+{}", BASE64.encode(other_type));
    assert_eq!(NoteVerifier::from_vkey(&other_type).unwrap_err(), NoteError::UnsupportedSignatureType { kind: 0x02 });

    // The identity point is a small-order key.
    let mut weak = vec![ED25519_SIGNATURE_TYPE, 1];
    weak.extend_from_slice(&[0; 31]);
    let weak_id = hex::encode(ed25519_key_id("weak", &weak[1..].try_into().unwrap()));
    let weak = format!("weak+{weak_id}+{}", BASE64.encode(weak));
    assert!(matches!(NoteVerifier::from_vkey(&weak), Err(NoteError::MalformedVerifierKey { .. })));

    for garbage in [
        "",
        "+",
        "++",
        "name",
        "name+",
        "name+c74f20a3",
        "name+c74f20a3+",
        "name+c74f20a+AAAA",
        "name+c74f20a3x+AAAA",
        "name+-74f20a3+AAAA",
        "na me+c74f20a3+AAAA",
        "+c74f20a3+AAAA",
        "name+c74f20a3+!!!!",
        "name+c74f20a3+AQ==",
        &vkey[..vkey.len() - 4],
        &format!("{vkey}AAAA"),
    ] {
        assert!(NoteVerifier::from_vkey(garbage).is_err(), "{garbage:?}");
    }
}

#[test]
fn key_names_are_validated() {
    for bad in ["", "has space", "has+plus", "tab\tname", "ideographic\u{3000}space", "line\nbreak"] {
        assert_eq!(
            Ed25519NoteSigner::new(bad, SigningKey::generate(&mut OsRng)).unwrap_err(),
            NoteError::InvalidKeyName { name: bad.to_owned() }
        );
    }
    Ed25519NoteSigner::new("执法记录.example/日志", SigningKey::generate(&mut OsRng)).unwrap();
}

#[test]
fn malformed_notes_are_rejected_without_panicking() {
    let log = signer("liuhen.example/log");
    let verifiers = [log.verifier()];
    let text = checkpoint().to_note_text();
    let signed = sign_note(&text, &[&log]).unwrap();
    let signature_line = signed.rsplit('\n').nth(1).unwrap();

    assert_eq!(open_note(&text, &verifiers).unwrap_err(), NoteError::NoSignatures);
    assert_eq!(open_note(&format!("{text}\n"), &verifiers).unwrap_err(), NoteError::NoSignatures);
    assert_eq!(open_note("", &verifiers).unwrap_err(), NoteError::NoSignatures);
    // The blank line before the signatures is missing.
    let no_blank = format!("{text}{signature_line}\n");
    assert!(open_note(&no_blank, &verifiers).is_err());
    // The final newline after the signature is missing.
    assert_eq!(open_note(signed.trim_end_matches('\n'), &verifiers).unwrap_err(), NoteError::MalformedSignatureLine { line: 1 });
    // Windows line endings.
    let crlf = signed.replace('\n', "\r\n");
    assert_eq!(open_note(&crlf, &verifiers).unwrap_err(), NoteError::ControlCharacter { code: 0x0d });
    // Replacement characters left behind by a lossy decoding still fail
    // the signature, and NUL or other control bytes are refused outright.
    let mangled = signed.replacen("liuhen.example/zhifa-jilu", "liuhen.example/zhifa-\u{fffd}", 1);
    assert!(matches!(open_note(&mangled, &verifiers), Err(NoteError::InvalidSignature { .. })));
    assert!(matches!(open_note(&signed.replacen('l', "\0", 1), &verifiers), Err(NoteError::ControlCharacter { code: 0 })));
    for bad_line in [
        "- liuhen.example/log AAAAAAAA",
        "\u{2014}liuhen.example/log AAAAAAAA",
        "\u{2014} liuhen.example/log",
        "\u{2014} liuhen.example/log ",
        "\u{2014}  AAAAAAAA",
        "\u{2014} liuhen.example/log AAAA",
        "\u{2014} liuhen.example/log AAAAAAAA AAAA",
        "\u{2014} liuhen.example/log not*base64",
        "\u{2014} liuhen.example/log AAAAAAA",
    ] {
        let note = format!("{text}\n{signature_line}\n{bad_line}\n");
        assert_eq!(open_note(&note, &verifiers).unwrap_err(), NoteError::MalformedSignatureLine { line: 2 }, "{bad_line:?}");
    }
    let flood = format!("{text}\n{}", format!("{signature_line}\n").repeat(MAX_SIGNATURES + 1));
    assert!(matches!(open_note(&flood, &verifiers), Err(NoteError::TooManySignatures { .. })));
    // Arbitrary byte soup never panics.
    for cut in 0..signed.len() {
        if signed.is_char_boundary(cut) {
            let _ = open_note(&signed[..cut], &verifiers);
            let _ = open_note(&signed[cut..], &verifiers);
        }
    }
}

#[test]
fn sign_note_refuses_bad_input() {
    let log = signer("liuhen.example/log");
    assert_eq!(sign_note("no newline", &[&log]).unwrap_err(), NoteError::TextWithoutFinalNewline);
    assert_eq!(sign_note("", &[&log]).unwrap_err(), NoteError::TextWithoutFinalNewline);
    assert_eq!(sign_note("line\r\n", &[&log]).unwrap_err(), NoteError::ControlCharacter { code: 0x0d });
    assert_eq!(sign_note("text\n", &[]).unwrap_err(), NoteError::NoSigners);
}

#[test]
fn checkpoint_text_round_trips() {
    let plain = checkpoint();
    let text = plain.to_note_text();
    assert_eq!(text, format!("liuhen.example/zhifa-jilu\n20852163\n{}\n", BASE64.encode([0x5a; 32])));
    assert_eq!(Checkpoint::parse(&text).unwrap(), plain);

    let extended = Checkpoint { extensions: vec!["ext one".to_owned(), "— two".to_owned()], ..checkpoint() };
    assert_eq!(Checkpoint::parse(&extended.to_note_text()).unwrap(), extended);

    let empty = Checkpoint { size: 0, root: crate::merkle::empty_root(), ..checkpoint() };
    assert_eq!(Checkpoint::parse(&empty.to_note_text()).unwrap(), empty);
}

#[test]
fn checkpoint_example_from_the_spec_parses() {
    // The example note text of c2sp.org/tlog-checkpoint.
    let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let checkpoint = Checkpoint::parse(text).unwrap();
    assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
    assert_eq!(checkpoint.size, 20_852_163);
    assert_eq!(BASE64.encode(checkpoint.root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
    assert_eq!(checkpoint.to_note_text(), text);
}

#[test]
fn malformed_checkpoints_are_rejected() {
    let root = BASE64.encode([7u8; 32]);
    for bad in [
        format!("origin\n12\n{root}"),
        format!("origin\n012\n{root}\n"),
        format!("origin\n+12\n{root}\n"),
        format!("origin\n-1\n{root}\n"),
        format!("origin\n 12\n{root}\n"),
        format!("origin\n1_2\n{root}\n"),
        format!("origin\n0x12\n{root}\n"),
        format!("origin\n18446744073709551616\n{root}\n"),
        format!("origin\n\n{root}\n"),
        format!("\n12\n{root}\n"),
        format!("origin\n12\n{root}\n\n"),
        format!("origin\n12\n{root}\n\nextension\n"),
        format!("origin\r\n12\r\n{root}\r\n"),
        format!("origin\n12\n{}\n", root.trim_end_matches('=')),
        format!("origin\n12\n{}\n", BASE64.encode([7u8; 31])),
        format!("origin\n12\n{}\n", BASE64.encode([7u8; 33])),
        "origin\n12\nnot base64!\n".to_owned(),
        "origin\n12\n".to_owned(),
        String::new(),
        "\n".to_owned(),
    ] {
        assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
    }
    assert_eq!(Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\n")).unwrap().size, u64::MAX);
}

#[test]
fn decimals_follow_the_c2sp_rules() {
    assert_eq!(parse_decimal("0"), Some(0));
    assert_eq!(parse_decimal("10"), Some(10));
    for bad in ["", "00", "01", "+1", "-1", " 1", "1 ", "1e3", "١٢"] {
        assert_eq!(parse_decimal(bad), None, "{bad:?}");
    }
}

#[test]
fn signer_debug_output_hides_the_private_key() {
    let log = signer("liuhen.example/log");
    let debug = format!("{log:?}");
    assert!(debug.contains("liuhen.example/log"));
    assert!(!debug.contains(&hex::encode(log.key.to_bytes())));
}
