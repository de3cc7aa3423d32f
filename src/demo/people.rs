//! The demo's people: names, valid identity numbers, the staff accounts and the county's register
//! of this year's junior-high graduates and three earlier cohorts, imported as a clerk would.

use chrono::NaiveDate;
use rand::Rng;
use rand::rngs::StdRng;

use super::county::County;
use super::{Calendar, DEMO_PASSWORD, Demo, fail};
use crate::auth::user::{NewUser, create_user};

/// A plausible two- or three-character name.
pub fn name(county: &County, rng: &mut StdRng) -> String {
    let (surnames, given) = (county.surnames(), county.given_names());
    let mut s = String::new();
    s.push(surnames[rng.random_range(0..surnames.len())]);
    s.push(given[rng.random_range(0..given.len())]);
    if rng.random_bool(0.7) {
        s.push(given[rng.random_range(0..given.len())]);
    }
    s
}

/// A valid 18-digit ID (GB 11643 check digit) for a birth date and a running number.
pub fn national_id(birth: NaiveDate, n: usize) -> String {
    let body = format!("410181{}{:03}", birth.format("%Y%m%d"), n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// The admissions clerk and the bureau's viewer, in post since spring; from then on the clerk is
/// the one who acts in the demo (crossing off, confirming reports, writing the archive).
pub async fn staff(demo: &mut Demo<'_>) -> Result<Vec<String>, String> {
    let (mut accounts, mut clerk) = (Vec::new(), None);
    for staff in &demo.county.staff {
        let (email, role) = (staff.email.as_str(), staff.role.as_str());
        let new = NewUser::parse(email, &staff.name, role, Some(DEMO_PASSWORD)).map_err(fail)?;
        let (user, _) = create_user(demo.db(), &demo.actor, new, demo.state.config.argon2_memory_kib, None)
            .await
            .map_err(fail)?;
        if role == "admissions" {
            clerk = Some(crate::audit::Actor {
                user_id: Some(user.id),
                label: user.email,
                client_ip: None,
            });
        }
        accounts.push(email.to_string());
    }
    if let Some(clerk) = clerk {
        demo.actor = clerk;
    }
    Ok(accounts)
}

/// The junior-high graduation year of the `i`-th of `total` students: eight in ten graduate this
/// year, the rest are the three earlier cohorts whose vocational studies are over.
fn cohort(cal: &Calendar, i: usize, total: usize) -> i32 {
    match i * 20 / total.max(1) {
        0..16 => cal.year,
        16..18 => cal.cohort_year(0),
        18 => cal.cohort_year(1),
        _ => cal.cohort_year(2),
    }
}

/// One register line (the columns of [`register`]'s header).
fn line(county: &County, cal: &Calendar, rng: &mut StdRng, i: usize, total: usize) -> String {
    let (surnames, given) = (county.surnames(), county.given_names());
    let grad_year = cohort(cal, i, total);
    let birth = NaiveDate::from_ymd_opt(grad_year - 15, 1 + (i % 12) as u32, 1 + (i % 28) as u32).unwrap_or_default();
    let household = i / 2;
    let town = &county.towns[household % county.towns.len()];
    let status = if grad_year == cal.year && rng.random_bool(0.18) {
        "普通高中"
    } else if grad_year == cal.year {
        "未升学"
    } else {
        "中职"
    };
    let head: String = [
        surnames[household % surnames.len()],
        given[(household / surnames.len()) % given.len()],
    ]
    .iter()
    .collect();
    format!(
        "{},,{},41018{household:011},{},{town},{},13{:09},巩义市第{}初级中学,{grad_year},{},{status},{},{}\n",
        name(county, rng),
        national_id(birth, i),
        head,
        county.villages[household % county.villages.len()],
        rng.random_range(0..1_000_000_000u32),
        1 + i % 9,
        rng.random_range(280..620),
        if rng.random_bool(0.03) { "是" } else { "否" },
        county.wished_skills[rng.random_range(0..county.wished_skills.len())],
    )
}

/// Imports the register (two children per household) on the day the junior-high results come in.
pub async fn register(demo: &mut Demo<'_>, total: usize) -> Result<String, String> {
    let mut csv = String::from(
        "姓名,性别,身份证号,建档立卡编号,户主姓名,镇(街道),村,联系电话,初中学校,毕业年份,中考成绩,升学状态,是否残疾,意向专业\n",
    );
    for i in 0..total {
        csv.push_str(&line(demo.county, &demo.cal, &mut demo.rng, i, total));
    }
    let report = crate::student::import::import_now(
        demo.db(),
        &demo.state.vault,
        &demo.actor,
        "demo.csv",
        csv.into_bytes(),
        None,
    )
    .await
    .map_err(fail)?;
    if !report.errors.is_empty() {
        return Err(format!("demo register rejected rows: {:?}", report.errors.first()));
    }
    Ok(format!(
        "{} students in {} households imported",
        report.students.new, report.households.new
    ))
}
