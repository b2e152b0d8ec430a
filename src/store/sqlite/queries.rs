//! The [`Store`] methods on [`Sqlite`]: what is kept about chats, the outbox and the counters,
//! each method one transaction. The connection itself (opening, migrations, errors) is
//! `sqlite.rs`'s.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::Sqlite;
use crate::day::Day;
use crate::outreach::language::pick;
use crate::store::{
    ChatKind, ChatRecord, Count, NewBroadcast, Pending, Progress, Queued, Settle, Store,
    StoreError, Timestamp, Variant,
};

fn bump(tx: &Transaction<'_>, day: &str, name: &str, n: i64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO counters (day, name, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (day, name) DO UPDATE SET value = value + excluded.value",
        params![day, name, n],
    )
    .map(|_| ())
}

fn unsubscribe_in(tx: &Transaction<'_>, chat: i64, now: Timestamp) -> rusqlite::Result<bool> {
    let changed = tx.execute(
        "UPDATE chats SET subscribed = 0, consent_at = NULL, changed_at = ?2
         WHERE id = ?1 AND subscribed = 1",
        params![chat, now],
    )?;
    // What was still to be sent to this chat is not sent.
    tx.execute(
        "UPDATE outbox SET status = 'unsubscribed', changed_at = ?2
         WHERE chat = ?1 AND status = 'queued'",
        params![chat, now],
    )?;
    if changed > 0 {
        bump(
            tx,
            &Day::of(now).to_string(),
            crate::outreach::counter::UNSUBSCRIBED,
            1,
        )?;
    }
    Ok(changed > 0)
}

/// One outbox row per subscribed chat, each with the variant in its language: the language it
/// chose, else its app's.
fn fan_out(
    tx: &Transaction<'_>,
    broadcast: i64,
    variants: &[Variant],
    now: Timestamp,
) -> rusqlite::Result<usize> {
    let mut chats = tx.prepare(
        "SELECT c.id, l.language, c.language
         FROM chats c LEFT JOIN chat_languages l ON l.chat = c.id
         WHERE c.subscribed = 1 ORDER BY c.id",
    )?;
    let recipients: Vec<(i64, Option<String>, Option<String>)> = chats
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut insert = tx.prepare(
        "INSERT OR IGNORE INTO outbox (broadcast, chat, variant, status, next_at, changed_at)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?4)",
    )?;
    let mut n = 0;
    for (chat, chosen, app) in &recipients {
        let variant = pick(variants, chosen.as_deref(), app.as_deref());
        n += insert.execute(params![broadcast, chat, variant as i64, now])?;
    }
    Ok(n)
}

fn to_json(variants: &[Variant]) -> rusqlite::Result<String> {
    serde_json::to_string(variants).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
}

fn from_json(text: &str) -> rusqlite::Result<Vec<Variant>> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

impl Store for Sqlite {
    fn subscribe(
        &self,
        chat: i64,
        kind: ChatKind,
        language: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let was: Option<bool> = tx
                .query_row("SELECT subscribed FROM chats WHERE id = ?1", [chat], |r| {
                    r.get(0)
                })
                .optional()?;
            let newly = was != Some(true);
            tx.execute(
                "INSERT INTO chats (id, kind, language, subscribed, consent_at, changed_at)
                 VALUES (?1, ?2, ?3, 1, ?4, ?4)
                 ON CONFLICT (id) DO UPDATE SET
                   kind = excluded.kind,
                   language = COALESCE(excluded.language, chats.language),
                   consent_at = CASE WHEN chats.subscribed = 1 THEN chats.consent_at
                                     ELSE excluded.consent_at END,
                   subscribed = 1,
                   changed_at = excluded.changed_at",
                params![chat, kind.name(), language, now],
            )?;
            if newly {
                bump(
                    tx,
                    &Day::of(now).to_string(),
                    crate::outreach::counter::SUBSCRIBED,
                    1,
                )?;
            }
            Ok(newly)
        })
    }

    fn unsubscribe(&self, chat: i64, now: Timestamp) -> Result<bool, StoreError> {
        self.write(|tx| unsubscribe_in(tx, chat, now))
    }

    fn forget(&self, chat: i64) -> Result<usize, StoreError> {
        self.write(|tx| {
            // Losing a subscriber this way counts as losing one.
            unsubscribe_in(tx, chat, crate::day::now())?;
            let rows = tx.execute("DELETE FROM outbox WHERE chat = ?1", [chat])?
                + tx.execute("DELETE FROM chat_languages WHERE chat = ?1", [chat])?;
            Ok(rows + tx.execute("DELETE FROM chats WHERE id = ?1", [chat])?)
        })
    }

    fn language(&self, chat: i64) -> Result<Option<String>, StoreError> {
        self.lock()
            .prepare_cached("SELECT language FROM chat_languages WHERE chat = ?1")
            .and_then(|mut s| s.query_row([chat], |r| r.get(0)).optional())
            .map_err(|e| self.err(&e))
    }

    fn choose_language(&self, chat: i64, language: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO chat_languages (chat, language) VALUES (?1, ?2)
                 ON CONFLICT (chat) DO UPDATE SET language = excluded.language",
                params![chat, language],
            )
            .map(|_| ())
        })
    }

    fn chat(&self, chat: i64) -> Result<Option<ChatRecord>, StoreError> {
        self.lock()
            .query_row(
                "SELECT id, kind, language, subscribed, consent_at, changed_at
                 FROM chats WHERE id = ?1",
                [chat],
                |r| {
                    Ok(ChatRecord {
                        id: r.get(0)?,
                        kind: ChatKind::parse(&r.get::<_, String>(1)?),
                        language: r.get(2)?,
                        subscribed: r.get(3)?,
                        consent_at: r.get(4)?,
                        changed_at: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(&e))
    }

    fn subscribers(&self) -> Result<usize, StoreError> {
        self.lock()
            .query_row("SELECT COUNT(*) FROM chats WHERE subscribed = 1", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as usize)
            .map_err(|e| self.err(&e))
    }

    fn queue(
        &self,
        broadcast: &NewBroadcast,
        draft: bool,
        now: Timestamp,
    ) -> Result<Option<Queued>, StoreError> {
        self.write(|tx| {
            let variants = to_json(&broadcast.variants)?;
            let inserted = tx.execute(
                "INSERT INTO broadcasts (origin, tip, variants, draft, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tip) DO NOTHING",
                params![broadcast.origin.name(), broadcast.tip, variants, draft, now],
            )?;
            if inserted == 0 {
                return Ok(None);
            }
            let id = tx.last_insert_rowid();
            let recipients = if draft {
                0
            } else {
                fan_out(tx, id, &broadcast.variants, now)?
            };
            Ok(Some(Queued { id, recipients }))
        })
    }

    fn confirm(&self, draft: i64, now: Timestamp) -> Result<Option<Queued>, StoreError> {
        self.write(|tx| {
            let variants: Option<String> = tx
                .query_row(
                    "SELECT variants FROM broadcasts WHERE id = ?1 AND draft = 1",
                    [draft],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(variants) = variants else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE broadcasts SET draft = 0, created_at = ?2 WHERE id = ?1",
                params![draft, now],
            )?;
            let recipients = fan_out(tx, draft, &from_json(&variants)?, now)?;
            Ok(Some(Queued {
                id: draft,
                recipients,
            }))
        })
    }

    fn cancel(&self, draft: i64) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM broadcasts WHERE id = ?1 AND draft = 1",
                [draft],
            )? > 0)
        })
    }

    fn due(&self, now: Timestamp, limit: usize, skip: &[i64]) -> Result<Vec<Pending>, StoreError> {
        let conn = self.lock();
        let run = || -> rusqlite::Result<Vec<Pending>> {
            let mut stmt = conn.prepare_cached(
                "SELECT o.id, o.broadcast, o.chat, o.attempts, o.variant, b.variants,
                        COALESCE(l.language, c.language)
                 FROM outbox o JOIN broadcasts b ON b.id = o.broadcast
                 LEFT JOIN chat_languages l ON l.chat = o.chat
                 LEFT JOIN chats c ON c.id = o.chat
                 WHERE o.status = 'queued' AND o.next_at <= ?1
                 ORDER BY o.next_at, o.id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now, (limit + skip.len()) as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?;
            let mut parsed: HashMap<i64, Vec<Variant>> = HashMap::new();
            let mut out = Vec::new();
            for row in rows {
                let (id, broadcast, chat, attempts, variant, json, chats) = row?;
                if skip.contains(&id) {
                    continue;
                }
                let variants = match parsed.entry(broadcast) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(from_json(&json)?),
                };
                let Some(v) = variants.get(variant as usize).or_else(|| variants.first()) else {
                    continue;
                };
                out.push(Pending {
                    id,
                    broadcast,
                    chat,
                    attempts,
                    body: v.body.clone(),
                    language: v.language.clone().or(chats),
                });
                if out.len() == limit {
                    break;
                }
            }
            Ok(out)
        };
        run().map_err(|e| self.err(&e))
    }

    fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.lock()
            .query_row(
                "SELECT MIN(next_at) FROM outbox WHERE status = 'queued'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(&e))
    }

    fn settle(&self, row: i64, outcome: Settle, now: Timestamp) -> Result<(), StoreError> {
        self.write(|tx| {
            match outcome {
                Settle::Sent | Settle::Failed => {
                    let status = if outcome == Settle::Sent {
                        "sent"
                    } else {
                        "failed"
                    };
                    tx.execute(
                        "UPDATE outbox SET status = ?2, changed_at = ?3 WHERE id = ?1",
                        params![row, status, now],
                    )?;
                }
                Settle::Retry { at, attempts } => {
                    tx.execute(
                        "UPDATE outbox SET next_at = ?2, attempts = ?3, changed_at = ?4
                         WHERE id = ?1 AND status = 'queued'",
                        params![row, at, attempts, now],
                    )?;
                }
                Settle::Unsubscribed => {
                    let chat: Option<i64> = tx
                        .query_row("SELECT chat FROM outbox WHERE id = ?1", [row], |r| r.get(0))
                        .optional()?;
                    if let Some(chat) = chat {
                        unsubscribe_in(tx, chat, now)?;
                    }
                    tx.execute(
                        "UPDATE outbox SET status = 'unsubscribed', changed_at = ?2 WHERE id = ?1",
                        params![row, now],
                    )?;
                }
            }
            Ok(())
        })
    }

    fn progress(&self) -> Result<Vec<Progress>, StoreError> {
        let conn = self.lock();
        let run = || -> rusqlite::Result<Vec<Progress>> {
            let mut stmt = conn.prepare(
                "SELECT b.id, b.origin, b.tip, b.created_at,
                        COALESCE(SUM(o.status = 'queued'), 0),
                        COALESCE(SUM(o.status = 'sent'), 0),
                        COALESCE(SUM(o.status = 'failed'), 0),
                        COALESCE(SUM(o.status = 'unsubscribed'), 0)
                 FROM broadcasts b LEFT JOIN outbox o ON o.broadcast = b.id
                 WHERE b.draft = 0 GROUP BY b.id ORDER BY b.id DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Progress {
                    id: r.get(0)?,
                    origin: r.get(1)?,
                    tip: r.get(2)?,
                    created_at: r.get(3)?,
                    queued: r.get::<_, i64>(4)? as usize,
                    sent: r.get::<_, i64>(5)? as usize,
                    failed: r.get::<_, i64>(6)? as usize,
                    unsubscribed: r.get::<_, i64>(7)? as usize,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(&e))
    }

    fn count(&self, day: &str, counts: &[(&str, i64)]) -> Result<(), StoreError> {
        self.write(|tx| {
            for (name, n) in counts {
                bump(tx, day, name, *n)?;
            }
            Ok(())
        })
    }

    fn counts(&self, since: &str) -> Result<Vec<Count>, StoreError> {
        let conn = self.lock();
        let run = || -> rusqlite::Result<Vec<Count>> {
            let mut stmt = conn.prepare(
                "SELECT day, name, value FROM counters WHERE day >= ?1 ORDER BY day, name",
            )?;
            let rows = stmt.query_map([since], |r| {
                Ok(Count {
                    day: r.get(0)?,
                    name: r.get(1)?,
                    value: r.get(2)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Body, Origin};

    const NOW: Timestamp = 1_780_000_000;

    fn text(t: &str) -> NewBroadcast {
        NewBroadcast::one(Origin::Cli, Body::Text(t.to_owned()))
    }

    /// The "summer" tip with a default version and a Spanish one.
    fn summer_tip(default: Body, spanish: &str) -> NewBroadcast {
        NewBroadcast {
            origin: Origin::Tip,
            tip: Some("summer".to_owned()),
            variants: vec![
                Variant {
                    language: None,
                    body: default,
                },
                Variant {
                    language: Some("es".to_owned()),
                    body: Body::Text(spanish.to_owned()),
                },
            ],
        }
    }

    #[test]
    fn subscribe_unsubscribe_and_forget() {
        let s = Sqlite::memory();
        assert!(s.subscribe(1, ChatKind::Private, Some("es"), NOW).unwrap());
        assert!(!s.subscribe(1, ChatKind::Private, None, NOW + 5).unwrap());
        let r = s.chat(1).unwrap().unwrap();
        assert_eq!(
            r,
            ChatRecord {
                id: 1,
                kind: ChatKind::Private,
                language: Some("es".to_owned()),
                subscribed: true,
                consent_at: Some(NOW),
                changed_at: NOW + 5,
            }
        );
        s.subscribe(-100, ChatKind::Group, None, NOW).unwrap();
        s.queue(&text("hi"), false, NOW).unwrap();
        assert!(s.unsubscribe(1, NOW + 9).unwrap());
        assert!(!s.unsubscribe(1, NOW + 9).unwrap());
        let r = s.chat(1).unwrap().unwrap();
        assert!(!r.subscribed && r.consent_at.is_none());
        // Nothing more is sent to a chat that unsubscribed.
        let due = s.due(NOW + 10, 10, &[]).unwrap();
        assert_eq!(due.iter().map(|p| p.chat).collect::<Vec<_>>(), [-100]);
        assert_eq!(s.forget(1).unwrap(), 2, "its chat row and its outbox row");
        assert_eq!(s.chat(1).unwrap(), None);
        assert_eq!(s.forget(1).unwrap(), 0);
        let day = Day::of(NOW).to_string();
        let counts = s.counts(&day).unwrap();
        let get = |n: &str| counts.iter().find(|c| c.name == n).map_or(0, |c| c.value);
        assert_eq!(get("subscribed"), 2);
        assert_eq!(get("unsubscribed"), 1);
    }

    #[test]
    fn the_outbox_sends_each_row_until_settled() {
        let s = Sqlite::memory();
        for chat in 1..=5 {
            s.subscribe(chat, ChatKind::Private, None, NOW).unwrap();
        }
        let q = s.queue(&text("tip"), false, NOW).unwrap().unwrap();
        assert_eq!(q.recipients, 5);
        let due = s.due(NOW, 3, &[]).unwrap();
        assert_eq!(due.len(), 3);
        assert_eq!(due[0].body, Body::Text("tip".to_owned()));
        let skip: Vec<i64> = due.iter().map(|p| p.id).collect();
        let rest = s.due(NOW, 10, &skip).unwrap();
        assert_eq!(rest.len(), 2);
        s.settle(due[0].id, Settle::Sent, NOW).unwrap();
        s.settle(
            due[1].id,
            Settle::Retry {
                at: NOW + 30,
                attempts: 1,
            },
            NOW,
        )
        .unwrap();
        s.settle(due[2].id, Settle::Unsubscribed, NOW).unwrap();
        s.settle(rest[0].id, Settle::Failed, NOW).unwrap();
        assert_eq!(s.due(NOW, 10, &[]).unwrap().len(), 1);
        assert_eq!(s.next_due().unwrap(), Some(NOW));
        let later = s.due(NOW + 30, 10, &[]).unwrap();
        assert_eq!(later.len(), 2);
        assert_eq!(
            later.iter().find(|p| p.id == due[1].id).unwrap().attempts,
            1
        );
        assert!(!s.chat(due[2].chat).unwrap().unwrap().subscribed);
        let p = &s.progress().unwrap()[0];
        assert_eq!(
            (p.queued, p.sent, p.failed, p.unsubscribed),
            (2, 1, 1, 1),
            "{p:?}"
        );
    }

    #[test]
    fn tips_queue_once_and_drafts_wait_for_confirmation() {
        let s = Sqlite::memory();
        s.subscribe(1, ChatKind::Private, Some("es-MX"), NOW)
            .unwrap();
        s.subscribe(2, ChatKind::Private, None, NOW).unwrap();
        let tip = summer_tip(Body::Topic("relief-now".to_owned()), "hola");
        assert_eq!(s.queue(&tip, false, NOW).unwrap().unwrap().recipients, 2);
        assert_eq!(s.queue(&tip, false, NOW + 60).unwrap(), None);
        let due = s.due(NOW, 10, &[]).unwrap();
        let body = |chat| due.iter().find(|p| p.chat == chat).unwrap().body.clone();
        assert_eq!(body(1), Body::Text("hola".to_owned()));
        assert_eq!(body(2), Body::Topic("relief-now".to_owned()));

        let draft = s.queue(&text("preview"), true, NOW).unwrap().unwrap();
        assert_eq!(draft.recipients, 0);
        assert_eq!(s.progress().unwrap().len(), 1, "drafts are not listed");
        assert_eq!(s.confirm(draft.id, NOW).unwrap().unwrap().recipients, 2);
        assert_eq!(s.confirm(draft.id, NOW).unwrap(), None, "confirmed once");
        assert!(!s.cancel(draft.id).unwrap());
        let other = s.queue(&text("never"), true, NOW).unwrap().unwrap();
        assert!(s.cancel(other.id).unwrap());
        assert_eq!(s.confirm(other.id, NOW).unwrap(), None);
        assert_eq!(s.due(NOW, 100, &[]).unwrap().len(), 4);
    }

    #[test]
    fn a_chosen_language_picks_the_version_and_is_forgotten_with_the_chat() {
        let s = Sqlite::memory();
        assert_eq!(s.language(1).unwrap(), None);
        // Any chat may choose, subscribed or not; a second choice replaces the first.
        s.choose_language(1, "en").unwrap();
        s.choose_language(1, "es").unwrap();
        assert_eq!(s.language(1).unwrap().as_deref(), Some("es"));
        s.subscribe(1, ChatKind::Private, Some("en-US"), NOW)
            .unwrap();
        s.subscribe(2, ChatKind::Private, Some("en-US"), NOW)
            .unwrap();
        let tip = summer_tip(Body::Text("hello".to_owned()), "hola");
        s.queue(&tip, false, NOW).unwrap();
        s.queue(&text("no versions"), false, NOW).unwrap();
        let due = s.due(NOW, 10, &[]).unwrap();
        let row = |chat, body: &str| {
            due.iter()
                .find(|p| p.chat == chat && p.body == Body::Text(body.to_owned()))
                .unwrap_or_else(|| panic!("no {body:?} for chat {chat}: {due:?}"))
                .language
                .clone()
        };
        // The chosen language over the app's, for the version and for the words around it.
        assert_eq!(row(1, "hola").as_deref(), Some("es"));
        assert_eq!(row(1, "no versions").as_deref(), Some("es"));
        assert_eq!(row(2, "hello").as_deref(), Some("en-US"));
        // Its subscription, its choice and its two outbox rows.
        assert_eq!(s.forget(1).unwrap(), 4);
        assert_eq!(s.language(1).unwrap(), None);
        assert_eq!(s.forget(1).unwrap(), 0);
    }

    #[test]
    fn a_store_fault_on_the_language_is_an_error_not_a_panic() {
        let s = Sqlite::memory();
        s.lock().execute_batch("DROP TABLE chat_languages").unwrap();
        assert!(s.language(1).is_err());
        assert!(s.choose_language(1, "es").is_err());
    }

    #[test]
    fn counters_add_up_per_day() {
        let s = Sqlite::memory();
        s.count("2026-11-29", &[("questions", 1), ("topic:relief-now", 1)])
            .unwrap();
        s.count("2026-11-29", &[("questions", 2)]).unwrap();
        s.count("2026-11-30", &[("questions", 1)]).unwrap();
        let c = s.counts("2026-11-29").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].value, 3);
        assert_eq!(s.counts("2026-11-30").unwrap().len(), 1);
    }
}
