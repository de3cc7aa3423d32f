//! Mentor assignment: proposes a counsellor (辅导员), a class teacher (班主任) and a subject teacher
//! (专任教师) for every student who still lacks one — an optimisation, not first-come.
//!
//! Pure: no I/O, no clock, no randomness. The service loads mentors, students and the assignments
//! in force, calls [`propose`], shows the proposal to staff and writes what they commit. This module
//! must not learn about the database, email or the archive.
//!
//! # Hard rules
//! - A mentor is proposed only to students of their own school, for a role they can take, and never
//!   beyond their maximum in that role. Existing mentees count; an existing load above a (lowered)
//!   maximum is kept and simply leaves no room.
//! - The subject teacher teaches the skill area of the student's programme (compared exactly).
//! - A student's three mentors are three different people, existing mentors included.
//! - A mentor who declined a student ([`StudentNeed::declined_by`]) is never proposed to them again.
//! - Existing assignments are kept as they are and not repeated in the output; a student is
//!   considered only for the roles they still lack.
//! - **All or nothing**: a student who cannot get every missing role gets no new assignment and is
//!   listed in [`Proposal::uncovered`] with the roles that block them, so the clerk sees a clean
//!   list of who is done and who needs attention — never a half-mentored student.
//!
//! # What is optimised
//! First the number of students fully covered; then, within each role, balanced loads and mentors
//! from the student's home town (home visits). A mentor's next mentee in a role costs `2 × load`
//! (load = mentees in that role, existing ones included), so the total grows with the square of
//! the load and loads spread out (six students, three free counsellors: two each). A mentor from
//! another town costs 1 more: half a load step, so home town decides between mentors whose loads
//! tie and never wins against a mentor with a lower load.
//!
//! # Model: min-cost max-flow per school and role
//! Source → class → mentor → sink. A class is the students sharing home town, skill area (subject
//! teachers only) and the mentors they must avoid (their own mentors in other roles); they are
//! interchangeable. Mentor → sink carries the convex load cost: one unit edge per free place,
//! costing `2 × (load + k)` for `k = 0, 1, …`, stored as one "bundle" edge. A class reaches the
//! mentors through two hubs, "any mentor with room" at cost 1 and "those from the class's home
//! town" at cost 0. Each hub is a segment tree over its mentors, so "the hub minus the mentors to
//! avoid" takes `O(log n)` edges per mentor avoided, and the network has about
//! `classes × log(mentors) + mentors` edges instead of students × mentors. It is solved by the
//! primal–dual method: Dijkstra with potentials prices the network, then a depth-first sweep pushes
//! flow along the cheapest paths it finds; the number of pricings grows with the largest marginal
//! cost (about twice the largest load), not with the number of students. In release, 10,000
//! students and 1,000 mentors in ten schools take under 0.1 s; all in one school with 200 home
//! towns, about 0.25 s.
//!
//! # Roles one after another, then a top-up
//! Roles are solved in the order subject teacher (the only one constrained by skill), counsellor,
//! class teacher. Each role sees only the students who got every earlier one and avoids the mentors
//! a student already has, so three different people is a hard rule. This is a **greedy-by-role
//! decomposition**: each step is optimal for its role (the most students, then the least cost); the
//! three together are not jointly optimised, and we accept that. Students left partial are then
//! withdrawn (all or nothing), and each uncovered student, in id order, gets one more try on the
//! room left: the cheapest set of distinct mentors with room, exact for that one student.
//!
//! Guarantees, both tested: the result is *maximal* (no uncovered student could be fully covered
//! with the room left without moving someone else), and when every mentor takes a single role and
//! every student lacks all three, the number fully covered is the *maximum*. When mentors take
//! several roles it can fall short: on tiny random instances with very tight maxima, one instance
//! in 40 to 120 covers one student fewer than brute force does (1–1.5 % of the students).
//!
//! # Determinism
//! Mentors and students are sorted by id first (for a repeated id the first occurrence wins), so the
//! same input in any order gives the same proposal. Within a class, lower student ids are served
//! first and mentors are filled in id order.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// One of the three mentoring roles every student needs (the stored enum: data, no I/O).
pub use entity::mentor_assignment::MentorRole;

/// A mentor as the optimiser sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentorInfo {
    /// Staff account id.
    pub id: i32,
    /// School the mentor works at; only its students are proposed.
    pub school_id: i32,
    /// Roles the mentor can take, each with the maximum number of mentees in that role. A role
    /// listed twice: the first entry counts.
    pub roles: Vec<(MentorRole, u32)>,
    /// Skill areas the mentor teaches; the subject teacher must teach the programme's.
    pub skill_areas: Vec<String>,
    /// Home town; mentors from the student's home town are preferred.
    pub home_town: String,
}

/// A student who may need mentors, with what matters for choosing them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentNeed {
    /// Student id.
    pub student_id: i32,
    /// School of the student's programme; all three mentors come from it.
    pub school_id: i32,
    /// Skill area of the programme.
    pub skill_area: String,
    /// Home town of the student's household.
    pub home_town: String,
    /// Mentors who declined this student: never proposed to them again (they take no load).
    #[serde(default)]
    pub declined_by: Vec<i32>,
}

/// An assignment already in force: kept as is and counted in the mentor's load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Existing {
    /// The student.
    pub student_id: i32,
    /// The mentor.
    pub mentor_id: i32,
    /// The role the mentor holds for the student.
    pub role: MentorRole,
}

/// A proposed new assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The student.
    pub student_id: i32,
    /// The proposed mentor.
    pub mentor_id: i32,
    /// The role the mentor would hold for the student.
    pub role: MentorRole,
}

/// Why a role cannot be filled for a student.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UncoveredReason {
    /// Nobody at the student's school can take the role (apart from the student's own mentors in
    /// other roles, who cannot take a second one).
    NoMentorForRole,
    /// Subject teachers exist at the school, but none teaches the programme's skill area.
    NoSkillMatch,
    /// Mentors who could take the role exist but are at their maximum, or the only ones with room
    /// left are needed for this student's other missing roles.
    AllFull,
}

impl UncoveredReason {
    /// The stable name (API and catalogue key).
    pub fn as_str(self) -> &'static str {
        match self {
            UncoveredReason::NoMentorForRole => "no_mentor_for_role",
            UncoveredReason::NoSkillMatch => "no_skill_match",
            UncoveredReason::AllFull => "all_full",
        }
    }
}

/// A student who lacks mentors and gets no new assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uncovered {
    /// The student.
    pub student_id: i32,
    /// The roles that block the student and why, in [`MentorRole::ALL`] order. Missing roles that
    /// could have been filled are not listed: they stay empty only because of all or nothing.
    pub missing: Vec<(MentorRole, UncoveredReason)>,
}

/// What [`propose`] suggests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// New assignments only (existing ones are not repeated), sorted by student, then role.
    pub assignments: Vec<Assignment>,
    /// Students who lack a role and get nothing new, sorted by student id.
    pub uncovered: Vec<Uncovered>,
}

/// Proposes mentors for every student who lacks one of the three roles, keeping `existing` as is.
///
/// Students fully mentored by `existing` do not appear in the result. See the module doc for the
/// rules, the costs and what is (and is not) guaranteed optimal.
pub fn propose(mentors: &[MentorInfo], students: &[StudentNeed], existing: &[Existing]) -> Proposal {
    let model = Model::build(mentors, students, existing);
    let mut loads = model.loads.clone();
    let mut proposal = Proposal::default();
    for (school_mentors, school_students) in model.schools().values() {
        let school = School {
            model: &model,
            mentors: school_mentors,
        };
        school.solve(&mut loads, school_students, &mut proposal);
    }
    proposal.assignments.sort_by_key(|a| (a.student_id, a.role));
    proposal.uncovered.sort_by_key(|u| u.student_id);
    proposal
}

/// Marginal cost of one more mentee, per mentee the mentor already has in the role.
const LOAD_STEP: i64 = 2;
/// The home-town bonus, paid the other way round (a surcharge for mentors from elsewhere) so every
/// cost stays non-negative. Below `LOAD_STEP`, so it never outweighs a lower load.
const AWAY_COST: i64 = 1;
/// The order roles are solved in: the skill-constrained role first, so the students it cannot serve
/// do not take counsellors and class teachers from students it can.
const SOLVE_ORDER: [MentorRole; 3] = [
    MentorRole::SubjectTeacher,
    MentorRole::Counsellor,
    MentorRole::ClassTeacher,
];

/// Loads per mentor (index into [`Model::mentors`]) and role (index of [`MentorRole`]).
type Loads = [[u32; 3]];
/// A student's mentors per role, new ones in the making.
type Picks = [Option<usize>; 3];

struct Mentor {
    id: i32,
    school: i32,
    max: [Option<u32>; 3],
    /// Interned skill areas, sorted.
    skills: Vec<usize>,
    town: usize,
}

struct Student {
    id: i32,
    school: i32,
    skill: usize,
    town: usize,
    /// Roles not filled by an existing assignment.
    needs: [bool; 3],
    /// Mentors (indices) the student already has or who declined them, sorted.
    own_mentors: Vec<usize>,
}

/// The input, deduplicated, sorted by id, with names interned and existing loads counted.
struct Model {
    mentors: Vec<Mentor>,
    students: Vec<Student>,
    loads: Vec<[u32; 3]>,
}

/// Interns names (towns, skill areas) so they compare as integers.
#[derive(Default)]
struct Names<'a>(HashMap<&'a str, usize>);

impl<'a> Names<'a> {
    fn id(&mut self, name: &'a str) -> usize {
        let next = self.0.len();
        *self.0.entry(name).or_insert(next)
    }
}

impl Model {
    fn build(mentors: &[MentorInfo], students: &[StudentNeed], existing: &[Existing]) -> Self {
        let mut names = Names::default();
        let mut infos: Vec<&MentorInfo> = mentors.iter().collect();
        infos.sort_by_key(|m| m.id);
        infos.dedup_by_key(|m| m.id);
        let mentors: Vec<Mentor> = infos.into_iter().map(|m| Mentor::new(m, &mut names)).collect();
        let index: HashMap<i32, usize> = mentors.iter().enumerate().map(|(i, m)| (m.id, i)).collect();

        let mut loads = vec![[0u32; 3]; mentors.len()];
        let mut held: HashMap<i32, ([bool; 3], Vec<usize>)> = HashMap::new();
        for e in existing {
            let (roles, own) = held.entry(e.student_id).or_default();
            roles[e.role.index()] = true;
            if let Some(&m) = index.get(&e.mentor_id) {
                loads[m][e.role.index()] = loads[m][e.role.index()].saturating_add(1);
                own.push(m);
            }
        }

        let mut needs: Vec<&StudentNeed> = students.iter().collect();
        needs.sort_by_key(|s| s.student_id);
        needs.dedup_by_key(|s| s.student_id);
        let students = needs
            .into_iter()
            .map(|s| {
                let (roles, mut own) = held.remove(&s.student_id).unwrap_or_default();
                own.extend(s.declined_by.iter().filter_map(|id| index.get(id)));
                own.sort_unstable();
                own.dedup();
                Student {
                    id: s.student_id,
                    school: s.school_id,
                    skill: names.id(&s.skill_area),
                    town: names.id(&s.home_town),
                    needs: roles.map(|has| !has),
                    own_mentors: own,
                }
            })
            .collect();
        Self {
            mentors,
            students,
            loads,
        }
    }

    /// Per school (ascending id): its mentors and its students who lack a role, as indices.
    fn schools(&self) -> BTreeMap<i32, (Vec<usize>, Vec<usize>)> {
        let mut schools: BTreeMap<i32, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (i, m) in self.mentors.iter().enumerate() {
            schools.entry(m.school).or_default().0.push(i);
        }
        for (i, s) in self.students.iter().enumerate() {
            if s.needs.contains(&true) {
                schools.entry(s.school).or_default().1.push(i);
            }
        }
        schools
    }
}

impl Mentor {
    fn new<'a>(info: &'a MentorInfo, names: &mut Names<'a>) -> Self {
        let mut max = [None; 3];
        for &(role, limit) in &info.roles {
            max[role.index()].get_or_insert(limit);
        }
        let mut skills: Vec<usize> = info.skill_areas.iter().map(|s| names.id(s)).collect();
        skills.sort_unstable();
        skills.dedup();
        Self {
            id: info.id,
            school: info.school_id,
            max,
            skills,
            town: names.id(&info.home_town),
        }
    }

    fn room(&self, loads: &Loads, m: usize, r: usize) -> u32 {
        self.max[r].map_or(0, |max| max.saturating_sub(loads[m][r]))
    }
}

/// One school's mentors (indices, ascending id) and the model they index into.
struct School<'a> {
    model: &'a Model,
    mentors: &'a [usize],
}

impl School<'_> {
    /// Assigns the school's `students` (indices, ascending id), updating `loads` and `out`.
    fn solve(&self, loads: &mut Loads, students: &[usize], out: &mut Proposal) {
        let mut picks: Vec<Picks> = vec![[None; 3]; students.len()];
        let mut failed = vec![false; students.len()];
        for role in SOLVE_ORDER {
            self.solve_role(loads, role, students, &mut picks, &mut failed);
        }
        for (pick, _) in picks.iter_mut().zip(&failed).filter(|(_, failed)| **failed) {
            for (r, mentor) in pick.iter_mut().enumerate() {
                if let Some(m) = mentor.take() {
                    loads[m][r] -= 1;
                }
            }
        }
        for (k, &s) in students.iter().enumerate() {
            if failed[k]
                && let Some(found) = self.cover_one(loads, &self.model.students[s])
            {
                for (r, m) in found.iter().enumerate() {
                    if let Some(m) = m {
                        loads[*m][r] += 1;
                    }
                }
                picks[k] = found;
                failed[k] = false;
            }
        }
        for (k, &s) in students.iter().enumerate() {
            let covered = (!failed[k]).then_some(picks[k]);
            self.report(loads, &self.model.students[s], covered, out);
        }
    }

    /// Writes a student's outcome: their new mentors if `covered`, else why they get none.
    fn report(&self, loads: &Loads, student: &Student, covered: Option<Picks>, out: &mut Proposal) {
        let Some(picks) = covered else {
            let missing = self.reasons(loads, student);
            out.uncovered.push(Uncovered {
                student_id: student.id,
                missing,
            });
            return;
        };
        for (role, m) in MentorRole::ALL.into_iter().zip(picks) {
            if let Some(m) = m {
                let mentor_id = self.model.mentors[m].id;
                out.assignments.push(Assignment {
                    student_id: student.id,
                    mentor_id,
                    role,
                });
            }
        }
    }

    /// Runs one role's flow for the students still in play that need it.
    fn solve_role(
        &self,
        loads: &mut Loads,
        role: MentorRole,
        students: &[usize],
        picks: &mut [Picks],
        failed: &mut [bool],
    ) {
        let r = role.index();
        let wanted: Vec<usize> = (0..students.len())
            .filter(|&k| !failed[k] && self.model.students[students[k]].needs[r])
            .collect();
        if wanted.is_empty() {
            return;
        }
        let requests: Vec<Request> = wanted
            .iter()
            .map(|&k| {
                let student = &self.model.students[students[k]];
                let mut avoid = student.own_mentors.clone();
                avoid.extend(picks[k].iter().flatten());
                let skill = (role == MentorRole::SubjectTeacher).then_some(student.skill);
                Request {
                    town: student.town,
                    skill,
                    avoid,
                }
            })
            .collect();
        let network = RoleNetwork::build(self.model, loads, self.mentors, role, &requests);
        for (&k, choice) in wanted.iter().zip(network.solve()) {
            match choice {
                Some(m) => {
                    picks[k][r] = Some(m);
                    loads[m][r] += 1;
                }
                None => failed[k] = true,
            }
        }
    }

    /// The mentors a student could still get in a role, from the student's point of view.
    fn pool(&self, loads: &Loads, student: &Student, role: MentorRole) -> Pool {
        let r = role.index();
        let (mut capable, mut skilled) = (false, false);
        let mut best: Vec<(i64, usize)> = Vec::with_capacity(4);
        for &m in self.mentors {
            let mentor = &self.model.mentors[m];
            if mentor.max[r].is_none() || student.own_mentors.binary_search(&m).is_ok() {
                continue;
            }
            capable = true;
            if role == MentorRole::SubjectTeacher && mentor.skills.binary_search(&student.skill).is_err() {
                continue;
            }
            skilled = true;
            if mentor.room(loads, m, r) == 0 {
                continue;
            }
            let away = if mentor.town == student.town { 0 } else { AWAY_COST };
            let option = (LOAD_STEP * i64::from(loads[m][r]) + away, m);
            let at = best.partition_point(|&b| b <= option);
            if at < 3 {
                best.insert(at, option);
                best.truncate(3);
            }
        }
        match (capable, skilled) {
            (false, _) => Pool::NoMentor,
            (true, false) => Pool::NoSkill,
            (true, true) => Pool::Room(best),
        }
    }

    /// The cheapest distinct mentors with room for every role the student lacks, if any.
    fn cover_one(&self, loads: &Loads, student: &Student) -> Option<Picks> {
        let mut pools = Vec::with_capacity(3);
        for role in SOLVE_ORDER.into_iter().filter(|role| student.needs[role.index()]) {
            match self.pool(loads, student, role) {
                Pool::Room(options) if !options.is_empty() => pools.push((role.index(), options)),
                _ => return None,
            }
        }
        let mut best = None;
        cheapest_distinct(&pools, &mut [None; 3], 0, &mut best);
        best.map(|(_, picks)| picks)
    }

    /// Why an uncovered student cannot be covered with the room left: each role that alone has no
    /// one; failing that, the smallest set of roles with fewer free mentors than roles (Hall).
    fn reasons(&self, loads: &Loads, student: &Student) -> Vec<(MentorRole, UncoveredReason)> {
        let needed: Vec<MentorRole> = MentorRole::ALL
            .into_iter()
            .filter(|role| student.needs[role.index()])
            .collect();
        let pools: Vec<Pool> = needed.iter().map(|&role| self.pool(loads, student, role)).collect();
        let alone: Vec<(MentorRole, UncoveredReason)> = needed
            .iter()
            .zip(&pools)
            .filter_map(|(&role, pool)| match pool {
                Pool::NoMentor => Some((role, UncoveredReason::NoMentorForRole)),
                Pool::NoSkill => Some((role, UncoveredReason::NoSkillMatch)),
                Pool::Room(options) if options.is_empty() => Some((role, UncoveredReason::AllFull)),
                Pool::Room(_) => None,
            })
            .collect();
        if !alone.is_empty() {
            return alone;
        }
        let free: Vec<Vec<usize>> = pools
            .iter()
            .map(|pool| match pool {
                Pool::Room(options) => options.iter().map(|&(_, m)| m).collect(),
                Pool::NoMentor | Pool::NoSkill => Vec::new(),
            })
            .collect();
        let mut subsets: Vec<u32> = (1..1u32 << needed.len()).collect();
        subsets.sort_by_key(|mask| (mask.count_ones(), *mask));
        let short = subsets.into_iter().find(|&mask| {
            let mut union: Vec<usize> = (0..needed.len())
                .filter(|i| (mask >> i) & 1 == 1)
                .flat_map(|i| free[i].clone())
                .collect();
            union.sort_unstable();
            union.dedup();
            union.len() < mask.count_ones() as usize
        });
        let mask = short.unwrap_or(u32::MAX);
        (0..needed.len())
            .filter(|i| (mask >> i) & 1 == 1)
            .map(|i| (needed[i], UncoveredReason::AllFull))
            .collect()
    }
}

/// See [`School::pool`].
enum Pool {
    /// Nobody at the school takes the role, apart from the student's own mentors.
    NoMentor,
    /// Some take the role, but none teaches the student's skill area.
    NoSkill,
    /// Up to three mentors with room as (cost, mentor), cheapest first; empty if all are full.
    Room(Vec<(i64, usize)>),
}

/// Depth-first over at most three roles × three options: the cheapest choice of distinct mentors.
fn cheapest_distinct(
    pools: &[(usize, Vec<(i64, usize)>)],
    picks: &mut Picks,
    cost: i64,
    best: &mut Option<(i64, Picks)>,
) {
    let Some(((r, options), rest)) = pools.split_first() else {
        if best.is_none_or(|(least, _)| cost < least) {
            *best = Some((cost, *picks));
        }
        return;
    };
    for &(price, m) in options {
        if !picks.contains(&Some(m)) {
            picks[*r] = Some(m);
            cheapest_distinct(rest, picks, cost + price, best);
            picks[*r] = None;
        }
    }
}

/// One student asking for a mentor in the role being solved.
struct Request {
    town: usize,
    /// The skill area the mentor must teach (subject teachers only).
    skill: Option<usize>,
    /// Mentors the student already has or was just given in an earlier role.
    avoid: Vec<usize>,
}

const SOURCE: usize = 0;
const SINK: usize = 1;
/// Mentor nodes are numbered from here, in the order of [`RoleNetwork::open`].
const FIRST_MENTOR: usize = 2;
const UNLIMITED: usize = usize::MAX / 4;

/// The flow network of one school and role.
struct RoleNetwork {
    graph: FlowGraph,
    /// Mentors with room in the role (indices, ascending id); node `FIRST_MENTOR + position`.
    open: Vec<usize>,
    /// Each class's node and its requests (indices into the requests, ascending student id).
    classes: Vec<(usize, Vec<usize>)>,
}

impl RoleNetwork {
    fn build(model: &Model, loads: &Loads, mentors: &[usize], role: MentorRole, requests: &[Request]) -> Self {
        let r = role.index();
        let open: Vec<usize> = mentors
            .iter()
            .copied()
            .filter(|&m| model.mentors[m].room(loads, m, r) > 0)
            .collect();
        let mut graph = FlowGraph::with_nodes(FIRST_MENTOR + open.len());
        for (pos, &m) in open.iter().enumerate() {
            let room = usize::try_from(model.mentors[m].room(loads, m, r)).unwrap_or(usize::MAX);
            let first = LOAD_STEP * i64::from(loads[m][r]);
            graph.add_bundle(FIRST_MENTOR + pos, SINK, room.min(requests.len()), first, LOAD_STEP);
        }
        let mut grouped: BTreeMap<(Option<usize>, usize, Vec<usize>), Vec<usize>> = BTreeMap::new();
        for (i, request) in requests.iter().enumerate() {
            let mut avoid: Vec<usize> = request
                .avoid
                .iter()
                .filter_map(|m| open.binary_search(m).ok())
                .collect();
            avoid.sort_unstable();
            avoid.dedup();
            grouped.entry((request.skill, request.town, avoid)).or_default().push(i);
        }
        let mut hubs: BTreeMap<(Option<usize>, Option<usize>), HubTree> = BTreeMap::new();
        let mut classes = Vec::with_capacity(grouped.len());
        for ((skill, town, avoid), members) in grouped {
            let node = graph.add_nodes(1);
            graph.add_edge(SOURCE, node, members.len(), 0);
            for (hub_town, cost) in [(None, AWAY_COST), (Some(town), 0)] {
                let hub = hubs.entry((skill, hub_town)).or_insert_with(|| {
                    let reach = |&(_, &m): &(usize, &usize)| {
                        let mentor = &model.mentors[m];
                        skill.is_none_or(|s| mentor.skills.binary_search(&s).is_ok())
                            && hub_town.is_none_or(|t| mentor.town == t)
                    };
                    let positions = open.iter().enumerate().filter(reach).map(|(pos, _)| pos).collect();
                    HubTree::build(&mut graph, positions)
                });
                for target in hub.all_but(&avoid) {
                    graph.add_edge(node, target, members.len(), cost);
                }
            }
            classes.push((node, members));
        }
        Self { graph, open, classes }
    }

    /// Solves the flow; the chosen mentor (index into the model) per request.
    fn solve(mut self) -> Vec<Option<usize>> {
        self.graph.min_cost_max_flow(SOURCE, SINK);
        let requests = self.classes.iter().map(|(_, members)| members.len()).sum();
        let mut chosen = vec![None; requests];
        let mut left = self.graph.flows();
        let mut next = vec![0; self.graph.adj.len()];
        let is_mentor = |node: usize| (FIRST_MENTOR..FIRST_MENTOR + self.open.len()).contains(&node);
        for (node, members) in &self.classes {
            let mut slots = Vec::new();
            while let Some((mentor_node, amount)) = self.graph.take_path(*node, &mut left, &mut next, is_mentor) {
                slots.push((mentor_node - FIRST_MENTOR, amount));
            }
            slots.sort_unstable();
            let mut waiting = members.iter();
            for (pos, amount) in slots {
                for request in waiting.by_ref().take(amount) {
                    chosen[*request] = Some(self.open[pos]);
                }
            }
        }
        chosen
    }
}

/// A hub: a segment tree whose leaves are the mentor nodes of its members, so a class reaches all
/// members but a few through `O(log n)` edges per member left out.
struct HubTree {
    /// Positions in [`RoleNetwork::open`], ascending.
    members: Vec<usize>,
    /// Leaves in the tree numbering (`1` is the root, `2j` and `2j + 1` the children of `j`).
    width: usize,
    /// Graph node of inner tree node `j` is `first_inner + j - 1`.
    first_inner: usize,
}

impl HubTree {
    fn build(graph: &mut FlowGraph, members: Vec<usize>) -> Self {
        let width = members.len().next_power_of_two();
        let first_inner = graph.add_nodes(width - 1);
        let tree = Self {
            members,
            width,
            first_inner,
        };
        for j in 1..width {
            for child in [2 * j, 2 * j + 1] {
                if tree.first_leaf(child) < tree.members.len() {
                    graph.add_edge(tree.node(j), tree.node(child), UNLIMITED, 0);
                }
            }
        }
        tree
    }

    fn first_leaf(&self, mut j: usize) -> usize {
        while j < self.width {
            j *= 2;
        }
        j - self.width
    }

    fn node(&self, j: usize) -> usize {
        if j >= self.width {
            FIRST_MENTOR + self.members[j - self.width]
        } else {
            self.first_inner + j - 1
        }
    }

    /// Graph nodes that together reach every member except those at the positions in `avoid`.
    fn all_but(&self, avoid: &[usize]) -> Vec<usize> {
        let mut nodes = Vec::new();
        let mut start = 0;
        for cut in avoid.iter().filter_map(|pos| self.members.binary_search(pos).ok()) {
            self.cover(start, cut, &mut nodes);
            start = cut + 1;
        }
        self.cover(start, self.members.len(), &mut nodes);
        nodes
    }

    /// The usual bottom-up decomposition of the leaf range `[l, r)`.
    fn cover(&self, l: usize, r: usize, nodes: &mut Vec<usize>) {
        let (mut l, mut r) = (l + self.width, r + self.width);
        while l < r {
            if l & 1 == 1 {
                nodes.push(self.node(l));
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                nodes.push(self.node(r));
            }
            l /= 2;
            r /= 2;
        }
    }
}

/// A residual graph for min-cost max-flow. Edges come in pairs: `e` forward (even), `e ^ 1` back.
///
/// A *bundle* stands for `cap` parallel unit edges costing `cost, cost + step, cost + 2·step, …`:
/// its next unit costs `cost + step × flow` and taking the last unit back refunds the cost of that
/// unit. It behaves exactly like the parallel edges (a path uses the cheapest free one, one unit at
/// a time) in one edge instead of `cap`, which keeps the network small when mentors have much room.
struct FlowGraph {
    to: Vec<usize>,
    cap: Vec<usize>,
    cost: Vec<i64>,
    /// Cost increase per unit of flow; zero for plain edges.
    step: Vec<i64>,
    adj: Vec<Vec<usize>>,
}

impl FlowGraph {
    fn with_nodes(n: usize) -> Self {
        Self {
            to: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
            step: Vec::new(),
            adj: vec![Vec::new(); n],
        }
    }

    /// Adds `count` nodes; the first one's number.
    fn add_nodes(&mut self, count: usize) -> usize {
        let first = self.adj.len();
        self.adj.resize(first + count, Vec::new());
        first
    }

    fn add_edge(&mut self, from: usize, to: usize, cap: usize, cost: i64) {
        self.add_bundle(from, to, cap, cost, 0);
    }

    fn add_bundle(&mut self, from: usize, to: usize, cap: usize, cost: i64, step: i64) {
        for (tail, head, cap, cost) in [(from, to, cap, cost), (to, from, 0, -cost)] {
            self.adj[tail].push(self.to.len());
            self.to.push(head);
            self.cap.push(cap);
            self.cost.push(cost);
            self.step.push(step);
        }
    }

    /// Cost of the next unit along residual edge `e` (for a bundle, of its cheapest free unit, or
    /// back along `e ^ 1`, minus the cost of its dearest used one).
    fn unit_cost(&self, e: usize) -> i64 {
        if self.step[e] == 0 {
            return self.cost[e];
        }
        let units = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        if e.is_multiple_of(2) {
            self.cost[e] + self.step[e] * units(self.cap[e ^ 1])
        } else {
            self.cost[e] - self.step[e] * units(self.cap[e].saturating_sub(1))
        }
    }

    /// Flow on every edge (zero on back edges).
    fn flows(&self) -> Vec<usize> {
        (0..self.to.len())
            .map(|e| if e.is_multiple_of(2) { self.cap[e ^ 1] } else { 0 })
            .collect()
    }

    /// Primal–dual: price with Dijkstra, then push flow along paths of zero reduced cost (which are
    /// exactly the cheapest ones), until the sink is unreachable. The flow is therefore of least cost
    /// for its value at every moment, and maximal at the end. All costs start non-negative, so the
    /// potentials start at zero.
    fn min_cost_max_flow(&mut self, source: usize, sink: usize) {
        let mut potential = vec![0i64; self.adj.len()];
        while self.reprice(source, sink, &mut potential) {
            self.push_along_cheapest_paths(source, sink, &potential);
        }
    }

    fn reduced_cost(&self, e: usize, from: usize, potential: &[i64]) -> i64 {
        self.unit_cost(e) + potential[from] - potential[self.to[e]]
    }

    /// Dijkstra on reduced costs; adds `min(distance, distance to sink)` to every potential, which
    /// keeps reduced costs non-negative and makes shortest paths exactly the zero-cost ones.
    fn reprice(&self, source: usize, sink: usize, potential: &mut [i64]) -> bool {
        let mut dist = vec![i64::MAX; self.adj.len()];
        let mut heap = BinaryHeap::from([(Reverse(0), source)]);
        dist[source] = 0;
        while let Some((Reverse(d), u)) = heap.pop() {
            if u == sink {
                break;
            }
            if d > dist[u] {
                continue;
            }
            for &e in &self.adj[u] {
                let v = self.to[e];
                let through = d + self.reduced_cost(e, u, potential);
                if self.cap[e] > 0 && through < dist[v] {
                    dist[v] = through;
                    heap.push((Reverse(through), v));
                }
            }
        }
        let reach = dist[sink];
        if reach == i64::MAX {
            return false;
        }
        for (p, d) in potential.iter_mut().zip(dist) {
            *p += d.min(reach);
        }
        true
    }

    fn admissible(&self, e: usize, from: usize, potential: &[i64]) -> bool {
        self.cap[e] > 0 && self.reduced_cost(e, from, potential) == 0
    }

    /// One depth-first sweep over admissible edges (residual, zero reduced cost) with current-arc
    /// pointers, augmenting each path found. A node the sweep gives up on is not revisited until the
    /// next pricing, so a sweep is `O(edges + flow × path length)`; paths it misses are found after
    /// the next pricing at the same distance. After a pricing a cheapest path exists, and the first
    /// search of a sweep is a plain depth-first search, so every sweep pushes at least one unit.
    fn push_along_cheapest_paths(&mut self, source: usize, sink: usize, potential: &[i64]) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Fresh,
            OnPath,
            GivenUp,
        }
        let mut next = vec![0; self.adj.len()];
        let mut mark = vec![Mark::Fresh; self.adj.len()];
        let mut path: Vec<usize> = Vec::new();
        let mut u = source;
        mark[source] = Mark::OnPath;
        loop {
            if u == sink {
                let push = path
                    .iter()
                    .map(|&e| if self.step[e] == 0 { self.cap[e] } else { 1 })
                    .min()
                    .unwrap_or(0);
                for &e in &path {
                    self.cap[e] -= push;
                    self.cap[e ^ 1] += push;
                    mark[self.to[e]] = Mark::Fresh;
                }
                path.clear();
                u = source;
                continue;
            }
            let found = self.adj[u][next[u]..]
                .iter()
                .position(|&e| mark[self.to[e]] == Mark::Fresh && self.admissible(e, u, potential));
            if let Some(skip) = found {
                next[u] += skip;
                let e = self.adj[u][next[u]];
                path.push(e);
                u = self.to[e];
                mark[u] = Mark::OnPath;
            } else {
                mark[u] = Mark::GivenUp;
                let Some(e) = path.pop() else { return };
                u = self.to[e ^ 1];
                next[u] += 1;
            }
        }
    }

    /// Takes one path of remaining flow from `start` (forward edges only) to the first node where
    /// `is_end` holds; its end and amount, or `None` when no flow leaves `start`.
    fn take_path(
        &self,
        start: usize,
        left: &mut [usize],
        next: &mut [usize],
        is_end: impl Fn(usize) -> bool,
    ) -> Option<(usize, usize)> {
        let mut path = Vec::new();
        let mut u = start;
        while !is_end(u) {
            let e = loop {
                let e = *self.adj[u].get(next[u])?;
                if left[e] > 0 {
                    break e;
                }
                next[u] += 1;
            };
            path.push(e);
            u = self.to[e];
        }
        let amount = path.iter().map(|&e| left[e]).min()?;
        for &e in &path {
            left[e] -= amount;
        }
        Some((u, amount))
    }
}
