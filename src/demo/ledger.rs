//! The demo's ledger at work: one no-show brought back after a call and a home visit, one dropout
//! the town is following up, and a history of follow-ups on every other open line since it opened
//! (most within their 14 days, a few slipped) — so `/ledger` reads as a bureau doing its job.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::retime::on;
use super::{Demo, Rhythm, db_fail, fail};
use crate::admissions::follow_through as ft;
use crate::admissions::ledger_follow_ups::{FollowUpRaw, record};
use entity::ledger_follow_up::{FollowUpHow, FollowUpWho};

/// One follow-up as the demo writes it: who, their name, how, the outcome, the next step.
type Step = (FollowUpWho, &'static str, FollowUpHow, &'static str, &'static str);

/// One follow-up of the student's open ledger line on `day`, through the service.
async fn follow_up(demo: &Demo<'_>, student: i32, day: NaiveDate, step: Step) -> Result<(), String> {
    let db = demo.db();
    let Some(line) = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::StudentId.eq(student))
        .filter(entity::ledger_entry::Column::ClosedAt.is_null())
        .one(db)
        .await
        .map_err(db_fail)?
    else {
        return Ok(());
    };
    let (who, who_name, how, outcome, next_step) = step;
    let new = FollowUpRaw {
        followed_on: day.to_string(),
        who: who.to_string(),
        who_name: who_name.into(),
        how: how.to_string(),
        outcome: outcome.into(),
        next_step: Some(next_step.into()),
    }
    .parse(demo.cal.today)
    .map_err(fail)?;
    on(db, demo.cal.at(day, 20), async {
        record(db, &demo.actor, line.id, new).await.map(|_| ()).map_err(fail)
    })
    .await
}

/// A no-show at the first school: a call on T+6, a home visit on T+9, placed again and reported on
/// T+12 — the line closes as brought back.
pub async fn bring_back(demo: &Demo<'_>, programmes: Vec<i32>) -> Result<(), String> {
    let (db, actor, c) = (demo.db(), &demo.actor, demo.cal);
    let Some(p) = entity::placement::Entity::find()
        .filter(entity::placement::Column::ProgrammeId.is_in(programmes))
        .filter(entity::placement::Column::Status.eq(entity::placement::PlacementStatus::NoShow))
        .one(db)
        .await
        .map_err(db_fail)?
    else {
        return Ok(());
    };
    let call = (
        FollowUpWho::SchoolStaff,
        "班主任 刘老师",
        FollowUpHow::Phone,
        "家长说孩子想去打工，还在犹豫",
        "本周家访",
    );
    follow_up(demo, p.student_id, c.day(6), call).await?;
    let visit = (
        FollowUpWho::Mentor,
        "帮扶导师 王老师",
        FollowUpHow::HomeVisit,
        "讲清免学费和助学金政策后，学生愿意回校",
        "补办入学",
    );
    follow_up(demo, p.student_id, c.day(9), visit).await?;
    let back = c.day(12);
    let reason = format!(
        "班主任家访后学生愿意回校，{} 月 {} 日补报到",
        chrono::Datelike::month(&back),
        chrono::Datelike::day(&back)
    );
    let req =
        crate::admissions::placements::DirectPlacement::parse(p.student_id, p.programme_id, &reason).map_err(fail)?;
    on(db, c.at(back, 10), async {
        let again = crate::admissions::placements::place_directly(db, actor, req)
            .await
            .map_err(fail)?;
        ft::confirm_reported(db, actor, &[again.id]).await.map_err(fail)
    })
    .await?;
    Ok(())
}

/// A month into term (T+30) a reported student at the first school leaves to work with their
/// parents; the town follows up on T+44.
pub async fn dropout(demo: &Demo<'_>, programmes: Vec<i32>) -> Result<(), String> {
    let (db, actor, c) = (demo.db(), &demo.actor, demo.cal);
    let Some(p) = entity::placement::Entity::find()
        .filter(entity::placement::Column::ProgrammeId.is_in(programmes))
        .filter(entity::placement::Column::Status.eq(entity::placement::PlacementStatus::Reported))
        .filter(entity::placement::Column::RunId.is_not_null())
        .one(db)
        .await
        .map_err(db_fail)?
    else {
        return Ok(());
    };
    let config = &demo.state.config;
    on(db, c.term_at(30, 16), async {
        ft::record_leaving(
            db,
            config,
            actor,
            p.id,
            ft::Leaving::Dropout,
            Some("开学一个月后随父母外出务工"),
        )
        .await
        .map_err(fail)
    })
    .await?;
    let village = (
        FollowUpWho::TownOfficial,
        "米河镇 李主任",
        FollowUpHow::ThroughVillage,
        "村委联系上家长，家长说年后回来再商量",
        "春节前家访",
    );
    follow_up(demo, p.student_id, c.day(44), village).await
}

/// Three ways a line's follow-ups go, step by step (who, their name, how, the outcome, the next
/// step); the last step repeats while the effort goes on.
const THREADS: [[Step; 4]; 3] = [
    [
        (
            FollowUpWho::SchoolStaff,
            "班主任 陈老师",
            FollowUpHow::Phone,
            "电话联系家长，家长担心学费和生活费",
            "安排家访",
        ),
        (
            FollowUpWho::SchoolStaff,
            "班主任 陈老师",
            FollowUpHow::HomeVisit,
            "家访，讲解免学费和助学金政策，家长表示考虑",
            "两周后再联系",
        ),
        (
            FollowUpWho::TownOfficial,
            "镇教办 李主任",
            FollowUpHow::Phone,
            "家长仍在犹豫，想让孩子先打工挣钱",
            "请村委一起做工作",
        ),
        (
            FollowUpWho::TownOfficial,
            "村委 王书记",
            FollowUpHow::ThroughVillage,
            "村委上门，家长同意春季学期前再谈入学",
            "春季学期前再联系",
        ),
    ],
    [
        (
            FollowUpWho::TownOfficial,
            "村委 王书记",
            FollowUpHow::ThroughVillage,
            "孩子在郑州亲戚家打零工，已联系家长",
            "等家长回电",
        ),
        (
            FollowUpWho::SchoolStaff,
            "招生办 刘老师",
            FollowUpHow::Phone,
            "与孩子通电话，介绍汽修、烹饪等专业",
            "寄送专业介绍",
        ),
        (
            FollowUpWho::SchoolStaff,
            "招生办 刘老师",
            FollowUpHow::Phone,
            "孩子对汽修有兴趣，担心跟不上课程",
            "安排到校参观",
        ),
        (
            FollowUpWho::TownOfficial,
            "镇教办 李主任",
            FollowUpHow::Phone,
            "家长说孩子年底回家，回来后一起到学校看看",
            "年底回家后家访",
        ),
    ],
    [
        (
            FollowUpWho::Other,
            "驻村第一书记 张书记",
            FollowUpHow::HomeVisit,
            "孩子身体原因暂缓入学，等复查结果",
            "复查后再联系",
        ),
        (
            FollowUpWho::Other,
            "驻村第一书记 张书记",
            FollowUpHow::Phone,
            "复查结果良好，医生建议再休养一段时间",
            "月底再联系",
        ),
        (
            FollowUpWho::SchoolStaff,
            "班主任 陈老师",
            FollowUpHow::Phone,
            "家长希望下学期入学，已说明插班办法",
            "下学期开学前联系",
        ),
        (
            FollowUpWho::Other,
            "驻村第一书记 张书记",
            FollowUpHow::Phone,
            "孩子身体恢复中，家长仍同意下学期入学",
            "保持联系",
        ),
    ],
];

/// The follow-ups of a line: the first within ten days of its opening, then every 10–16 days up to
/// yesterday; on one line in seven the effort stopped a few weeks ago (overdue now).
const FOLLOW_UPS: Rhythm = Rhythm {
    first: 3..10,
    every: 10..16,
    lapse: 0.15,
    quiet: 16..40,
};

/// A history of follow-ups on every open line that has none yet, written as the clerks typed them
/// in on the evening of each day; each line's next due day follows its newest follow-up.
pub async fn follow_ups(demo: &mut Demo<'_>) -> Result<String, String> {
    let db = &demo.state.db;
    let lines = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::ClosedAt.is_null())
        .all(db)
        .await
        .map_err(db_fail)?;
    let followed: std::collections::HashSet<i32> = entity::ledger_follow_up::Entity::find()
        .all(db)
        .await
        .map_err(db_fail)?
        .into_iter()
        .map(|f| f.ledger_entry_id)
        .collect();
    let (mut rows, mut slipped) = (Vec::new(), 0);
    for line in lines.iter().filter(|l| !followed.contains(&l.id)) {
        let opened = line.opened_at.with_timezone(&crate::clock::china()).date_naive();
        let days = FOLLOW_UPS.days(&mut demo.rng, opened, demo.cal.today);
        let due = crate::admissions::ledger::follow_up_due(days.last().copied().unwrap_or(opened));
        slipped += usize::from(due <= demo.cal.today);
        let thread = &THREADS[line.id as usize % THREADS.len()];
        for (k, day) in days.into_iter().enumerate() {
            let (who, who_name, how, outcome, next) = thread[k.min(thread.len() - 1)];
            rows.push(entity::ledger_follow_up::ActiveModel {
                ledger_entry_id: Set(line.id),
                followed_on: Set(day),
                who: Set(who),
                who_name: Set(who_name.into()),
                how: Set(how),
                outcome: Set(outcome.into()),
                next_step: Set(Some(next.into())),
                recorded_by: Set(who_name.into()),
                recorded_at: Set(demo.cal.at(day, 20)),
                ..Default::default()
            });
        }
        entity::ledger_entry::Entity::update_many()
            .col_expr(
                entity::ledger_entry::Column::FollowUpDueOn,
                sea_orm::sea_query::Expr::value(due),
            )
            .filter(entity::ledger_entry::Column::Id.eq(line.id))
            .exec(db)
            .await
            .map_err(db_fail)?;
    }
    let written = rows.len();
    super::insert_all(db, rows).await?;
    Ok(format!(
        "ledger: {} open lines with {written} follow-ups since they opened, {slipped} overdue for the next one",
        lines.len()
    ))
}
