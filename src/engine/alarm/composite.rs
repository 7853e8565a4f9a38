//! Composite alarm rules and actions suppression ("Composite alarms",
//! "Create a composite alarm").
//!
//! # Rule syntax
//!
//! * `ALARM(name)`, `OK(name)`, `INSUFFICIENT_DATA(name)`: "ALARM
//!   ("alarm-name or alarm-ARN") is TRUE if the alarm is in ALARM state", and
//!   likewise for the other two states.
//! * `TRUE`, `FALSE`: "TRUE always evaluates to TRUE, and FALSE always
//!   evaluates to FALSE."
//! * `AND`, `OR`, `NOT` and parentheses: "You can use parentheses to group
//!   conditions and control the order of evaluation". Not documented:
//!   precedence; the usual `NOT` > `AND` > `OR` is used.
//! * `AT_LEAST(M, STATE_CONDITION, (alarm1, alarm2, ...alarmN))`: "Function
//!   that returns TRUE when a minimum number or percentage of specified alarms
//!   are in the required state [...] M can be an absolute number or percentage
//!   (for example, 50%), and STATE_CONDITION can be ALARM, OK,
//!   INSUFFICIENT_DATA, NOT ALARM, NOT OK, or NOT INSUFFICIENT_DATA." A count
//!   must be a whole number between 1 and the number of alarms, a percentage
//!   must be in `(0, 100]` (as the AWS CDK validates them); "at least P%" of
//!   `n` alarms means `matching * 100 >= P * n`.
//! * Alarm references: "the rule syntax can support referencing the alarm with
//!   or without quotation marks (") around the alarm name or ARN. If specified
//!   without quotes, alarm names or ARNs must not contain spaces, round
//!   brackets, or commas. If specified within quotes, alarm names or ARNs that
//!   include double quotes (") must enclose the " using backslash escape (\)".
//!   Here `\"` and `\\` are escapes; any other backslash is kept as is.
//! * Keywords are uppercase, as in every example of the guide.
//!
//! # Actions suppression
//!
//! Per the CloudWatch User Guide, "Suppressing composite alarm actions"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm_Suppression.html>),
//! Examples 1–6: see [`actions_suppressed`], [`action_time`] and
//! [`action_times`] (when each state change's actions are taken, or never).

use std::fmt;

use super::State;

/// Maximum nesting of parentheses and `NOT`.
const MAX_NESTING: usize = 64;

/// A rule parse error, located by byte offset in the rule text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// Byte offset in the rule text where the problem is.
    pub offset: usize,
    /// Human-readable description.
    pub message: String,
}

impl RuleError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        RuleError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for RuleError {}

/// A parsed composite alarm rule (`AlarmRule`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Const(bool),
    Is(State, String),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    AtLeast {
        threshold: AtLeast,
        negate: bool,
        state: State,
        alarms: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum AtLeast {
    Count(usize),
    Percent(f64),
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    nesting: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn state_keyword(word: &str) -> Option<State> {
    match word {
        "ALARM" => Some(State::Alarm),
        "OK" => Some(State::Ok),
        "INSUFFICIENT_DATA" => Some(State::InsufficientData),
        _ => None,
    }
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if !c.is_whitespace() {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    /// The word (`[A-Za-z0-9_]+`) at the cursor, after whitespace, not consumed.
    fn peek_word(&mut self) -> &'a str {
        self.skip_ws();
        let rest = self.rest();
        let end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        &rest[..end]
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.peek_word() == word {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn eat_char(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn found(&mut self) -> String {
        self.skip_ws();
        let word = self.peek_word().to_string();
        if !word.is_empty() {
            format!("{word:?}")
        } else {
            match self.peek() {
                Some(c) => format!("{c:?}"),
                None => "end of rule".to_string(),
            }
        }
    }

    fn expect_char(&mut self, c: char, what: &str) -> Result<(), RuleError> {
        if self.eat_char(c) {
            Ok(())
        } else {
            let found = self.found();
            Err(RuleError::new(
                self.pos,
                format!("expected {what}, found {found}"),
            ))
        }
    }

    fn enter(&mut self) -> Result<(), RuleError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            Err(RuleError::new(self.pos, "rule is too deeply nested"))
        } else {
            Ok(())
        }
    }

    fn or(&mut self) -> Result<Node, RuleError> {
        let mut terms = vec![self.and()?];
        while self.eat_word("OR") {
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Node::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Node, RuleError> {
        let mut terms = vec![self.unary()?];
        while self.eat_word("AND") {
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Node::And(terms)
        })
    }

    fn unary(&mut self) -> Result<Node, RuleError> {
        if self.eat_word("NOT") {
            self.enter()?;
            let inner = self.unary();
            self.nesting -= 1;
            return Ok(Node::Not(Box::new(inner?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, RuleError> {
        self.skip_ws();
        let start = self.pos;
        if self.eat_char('(') {
            self.enter()?;
            let inner = self.or();
            self.nesting -= 1;
            let inner = inner?;
            self.expect_char(')', "')'")?;
            return Ok(inner);
        }
        let word = self.peek_word().to_string();
        match word.as_str() {
            "TRUE" | "FALSE" => {
                self.pos += word.len();
                Ok(Node::Const(word == "TRUE"))
            }
            "AT_LEAST" => {
                self.pos += word.len();
                self.at_least()
            }
            _ => {
                if let Some(state) = state_keyword(&word) {
                    self.pos += word.len();
                    self.expect_char('(', "'(' after the state function")?;
                    let name = self.name()?;
                    self.expect_char(')', "')' after the alarm name")?;
                    return Ok(Node::Is(state, name));
                }
                let found = self.found();
                Err(RuleError::new(
                    start,
                    format!(
                        "expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), AT_LEAST(...), \
                         TRUE, FALSE, NOT or '(', found {found}"
                    ),
                ))
            }
        }
    }

    /// An alarm name or ARN, quoted or not.
    fn name(&mut self) -> Result<String, RuleError> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some('"') {
            self.pos += 1;
            let mut name = String::new();
            let mut chars = self.rest().char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.pos += i + 1;
                        if name.is_empty() {
                            return Err(RuleError::new(start, "empty alarm name"));
                        }
                        return Ok(name);
                    }
                    '\\' => match chars.clone().next() {
                        Some((_, e @ ('"' | '\\'))) => {
                            chars.next();
                            name.push(e);
                        }
                        _ => name.push('\\'),
                    },
                    _ => name.push(c),
                }
            }
            return Err(RuleError::new(start, "unterminated quoted alarm name"));
        }
        let rest = self.rest();
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ','))
            .unwrap_or(rest.len());
        if end == 0 {
            let found = self.found();
            return Err(RuleError::new(
                start,
                format!("expected an alarm name, found {found}"),
            ));
        }
        let name = rest[..end].to_string();
        self.pos += end;
        // "If specified without quotes, alarm names or ARNs must not contain
        // spaces, round brackets, or commas."
        self.skip_ws();
        if !matches!(self.peek(), Some(')' | ',') | None) {
            return Err(RuleError::new(
                self.pos,
                "unquoted alarm names cannot contain spaces, round brackets or commas; quote the name",
            ));
        }
        Ok(name)
    }

    /// `AT_LEAST(M, [NOT] STATE, (a1, a2, ...))`, after the keyword.
    fn at_least(&mut self) -> Result<Node, RuleError> {
        self.expect_char('(', "'(' after AT_LEAST")?;
        self.skip_ws();
        let threshold_at = self.pos;
        let rest = self.rest();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let digits = &rest[..end];
        let value = (!digits.is_empty() && !digits.starts_with('.') && !digits.ends_with('.'))
            .then(|| digits.parse::<f64>().ok())
            .flatten()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                RuleError::new(threshold_at, "AT_LEAST needs a count or a percentage first")
            })?;
        self.pos += end;
        let threshold = if self.peek() == Some('%') {
            self.pos += 1;
            if value <= 0.0 || value > 100.0 {
                return Err(RuleError::new(
                    threshold_at,
                    "an AT_LEAST percentage must be above 0% and at most 100%",
                ));
            }
            AtLeast::Percent(value)
        } else {
            if value.fract() != 0.0 || value < 1.0 {
                return Err(RuleError::new(
                    threshold_at,
                    "an AT_LEAST count must be a whole number of at least 1",
                ));
            }
            AtLeast::Count(value.min(usize::MAX as f64) as usize)
        };
        self.expect_char(',', "',' after the AT_LEAST threshold")?;
        let negate = self.eat_word("NOT");
        self.skip_ws();
        let state_at = self.pos;
        let word = self.peek_word().to_string();
        let Some(state) = state_keyword(&word) else {
            return Err(RuleError::new(
                state_at,
                "expected ALARM, OK, INSUFFICIENT_DATA, NOT ALARM, NOT OK or NOT INSUFFICIENT_DATA",
            ));
        };
        self.pos += word.len();
        self.expect_char(',', "',' after the AT_LEAST state")?;
        self.expect_char('(', "'(' opening the AT_LEAST alarm list")?;
        let mut alarms = vec![self.name()?];
        while self.eat_char(',') {
            alarms.push(self.name()?);
        }
        self.expect_char(')', "')' closing the AT_LEAST alarm list")?;
        self.expect_char(')', "')' closing AT_LEAST")?;
        if let AtLeast::Count(count) = threshold
            && count > alarms.len()
        {
            return Err(RuleError::new(
                threshold_at,
                format!(
                    "AT_LEAST count {count} exceeds the {} alarm(s) listed",
                    alarms.len()
                ),
            ));
        }
        Ok(Node::AtLeast {
            threshold,
            negate,
            state,
            alarms,
        })
    }
}

fn collect(node: &Node, out: &mut Vec<String>) {
    let mut add = |name: &String| {
        if !out.contains(name) {
            out.push(name.clone());
        }
    };
    match node {
        Node::Const(_) => {}
        Node::Is(_, name) => add(name),
        Node::AtLeast { alarms, .. } => alarms.iter().for_each(add),
        Node::Not(inner) => collect(inner, out),
        Node::And(terms) | Node::Or(terms) => terms.iter().for_each(|t| collect(t, out)),
    }
}

fn eval(node: &Node, state_of: &dyn Fn(&str) -> State) -> bool {
    match node {
        Node::Const(b) => *b,
        Node::Is(state, name) => state_of(name) == *state,
        Node::Not(inner) => !eval(inner, state_of),
        Node::And(terms) => terms.iter().all(|t| eval(t, state_of)),
        Node::Or(terms) => terms.iter().any(|t| eval(t, state_of)),
        Node::AtLeast {
            threshold,
            negate,
            state,
            alarms,
        } => {
            let matching = alarms
                .iter()
                .filter(|name| (state_of(name) == *state) != *negate)
                .count();
            match threshold {
                AtLeast::Count(count) => matching >= *count,
                AtLeast::Percent(p) => matching as f64 * 100.0 >= p * alarms.len() as f64,
            }
        }
    }
}

impl Rule {
    /// Parses an `AlarmRule`; errors carry the byte offset.
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        let mut parser = Parser {
            text,
            pos: 0,
            nesting: 0,
        };
        parser.skip_ws();
        if parser.peek().is_none() {
            return Err(RuleError::new(0, "empty rule"));
        }
        let root = parser.or()?;
        parser.skip_ws();
        if parser.peek().is_some() {
            let found = parser.found();
            return Err(RuleError::new(
                parser.pos,
                format!("expected AND, OR or end of rule, found {found}"),
            ));
        }
        Ok(Rule { root })
    }

    /// The alarms the rule references, in order of first appearance.
    pub fn children(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect(&self.root, &mut out);
        out
    }

    /// Whether the rule is TRUE given each child alarm's state.
    pub fn eval(&self, state_of: &dyn Fn(&str) -> State) -> bool {
        eval(&self.root, state_of)
    }

    /// The composite alarm's state: "The composite alarm goes into ALARM state
    /// only if all conditions of the rule are met" ("Using Amazon CloudWatch
    /// alarms"), OK otherwise.
    pub fn state(&self, state_of: &dyn Fn(&str) -> State) -> State {
        if self.eval(state_of) {
            State::Alarm
        } else {
            State::Ok
        }
    }
}

/// The suppressor's changes sorted by time, one per instant (the last one
/// given wins), without repeats of the same state; before the first change the
/// suppressor is taken to be OK (not documented).
fn normalize(suppressor: &[(i64, State)]) -> Vec<(i64, State)> {
    let mut sorted = suppressor.to_vec();
    sorted.sort_by_key(|(t, _)| *t);
    let mut out: Vec<(i64, State)> = Vec::new();
    for (t, s) in sorted {
        match out.last_mut() {
            Some(last) if last.0 == t => last.1 = s,
            _ => out.push((t, s)),
        }
    }
    let mut previous = State::Ok;
    out.retain(|(_, s)| {
        let keep = (*s == State::Alarm) != (previous == State::Alarm);
        previous = *s;
        keep
    });
    out
}

fn in_alarm_at(changes: &[(i64, State)], t: i64) -> bool {
    changes
        .iter()
        .rev()
        .find(|(ct, _)| *ct <= t)
        .is_some_and(|(_, s)| *s == State::Alarm)
}

/// When the suppression of actions due at `at` starts, if they are suppressed.
fn suppression_start(changes: &[(i64, State)], at: i64, wait: u32) -> Option<i64> {
    if in_alarm_at(changes, at) {
        return Some(at);
    }
    let wait_end = at.saturating_add(i64::from(wait));
    changes
        .iter()
        .find(|(t, s)| *t > at && *t < wait_end && *s == State::Alarm)
        .map(|(t, _)| *t)
}

/// Whether the composite's actions at time `at` are suppressed, given the suppressor's state changes
/// [(time, new state)] in time order, wait and extension periods in seconds, per the Composite alarms page.
///
/// `at` is the time the composite alarm changes state (its actions become
/// due). "When a suppressor alarm changes states from OK to ALARM, its
/// composite alarm stops taking actions." The actions are suppressed when the
/// suppressor is in ALARM at `at` (Example 4: "The suppressor alarm is already
/// in ALARM"), or goes into ALARM before the `WaitPeriod` that starts at `at`
/// expires (Example 2: "Because the suppressor alarm changes states from OK to
/// ALARM at t3, the WaitPeriod that started at t2 is discarded, and the
/// suppressor alarm now stops the composite alarm from taking actions").
/// A change during an `ExtensionPeriod` is not suppressed by it: Example 6,
/// "When the composite alarm changes back to OK at t7, the ExtensionPeriod is
/// discarded, and a new WaitPeriod starts". Only the ALARM state suppresses;
/// the changes may be given in any order.
pub fn actions_suppressed(at: i64, suppressor: &[(i64, State)], wait: u32, extension: u32) -> bool {
    let _ = extension; // the extension delays suppressed actions, see `action_time`
    suppression_start(&normalize(suppressor), at, wait).is_some()
}

/// When the composite alarm's actions for its state change at `at` are taken,
/// or `None` while the suppressor is still in ALARM at the end of its history.
///
/// Not suppressed: when the `WaitPeriod` expires, `at + wait` (Example 1:
/// "After the WaitPeriod expires at t4, the composite alarm takes its actions
/// because the suppressor alarm is still in OK"). Suppressed: when the
/// `ExtensionPeriod` that starts as the suppressor leaves ALARM expires
/// (Example 5: "At t6, the suppressor alarm changes to OK. An ExtensionPeriod
/// starts at t6 and ends at t9. After the ExtensionPeriod expires, the
/// composite alarm takes its actions"); if the suppressor goes back to ALARM
/// first, suppression continues. "Composite alarms take actions that are based
/// on their current states when ExtensionPeriod and WaitPeriod become
/// inactive": the caller decides which actions the composite's state at that
/// time calls for.
pub fn action_time(at: i64, suppressor: &[(i64, State)], wait: u32, extension: u32) -> Option<i64> {
    let changes = normalize(suppressor);
    let Some(mut t) = suppression_start(&changes, at, wait) else {
        return Some(at.saturating_add(i64::from(wait)));
    };
    loop {
        // The suppressor is in ALARM at `t`; find when it leaves.
        let exit = changes
            .iter()
            .find(|(ct, s)| *ct > t && *s != State::Alarm)?
            .0;
        let end = exit.saturating_add(i64::from(extension));
        match changes
            .iter()
            .find(|(ct, s)| *ct > exit && *ct < end && *s == State::Alarm)
        {
            Some((again, _)) => t = *again,
            None => return Some(end),
        }
    }
}

/// When the actions of each of the composite's state changes are taken, per
/// "Suppressing composite alarm actions"
/// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm_Suppression.html>).
///
/// `changes` are the composite's state changes [(time, new state)] in time
/// order; the result has one entry per change: `Some(t)` when its actions are
/// taken at `t` ([`action_time`]), `None` when they never are. They never are
/// when the suppressor is still in ALARM at the end of its history, or when
/// the composite changes state again before they are due: "no actions while
/// a WaitPeriod is active", and when the composite changes within it (Example
/// 3: "the composite alarm changes back to OK at t3 [...] the WaitPeriod that
/// started at t2 is discarded" and a new one starts) or within an
/// ExtensionPeriod (Example 6: "the ExtensionPeriod is discarded, and a new
/// WaitPeriod starts"), the actions of the earlier change are never taken:
/// "Composite alarms take actions that are based on their current states when
/// ExtensionPeriod and WaitPeriod become inactive". A change exactly when the
/// earlier change's period expires does not discard its actions (not
/// documented).
pub fn action_times(
    changes: &[(i64, State)],
    suppressor: &[(i64, State)],
    wait: u32,
    extension: u32,
) -> Vec<Option<i64>> {
    changes
        .iter()
        .enumerate()
        .map(|(i, (at, _))| {
            let due = action_time(*at, suppressor, wait, extension)?;
            match changes.get(i + 1) {
                Some((next, _)) if *next < due => None,
                Some(_) | None => Some(due),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn states(pairs: &[(&str, State)]) -> HashMap<String, State> {
        pairs.iter().map(|(n, s)| (n.to_string(), *s)).collect()
    }

    fn check(rule: &str, pairs: &[(&str, State)]) -> bool {
        let map = states(pairs);
        let lookup = |name: &str| map.get(name).copied().unwrap_or(State::InsufficientData);
        match Rule::parse(rule) {
            Ok(r) => r.eval(&lookup),
            Err(e) => panic!("{rule}: {e}"),
        }
    }

    fn error_at(rule: &str) -> usize {
        match Rule::parse(rule) {
            Ok(r) => panic!("{rule}: expected an error, got {r:?}"),
            Err(e) => e.offset,
        }
    }

    use State::{Alarm as A, InsufficientData as I, Ok as O};

    #[test]
    fn state_functions() {
        assert!(check("ALARM(cpu)", &[("cpu", A)]));
        assert!(!check("ALARM(cpu)", &[("cpu", O)]));
        assert!(check("OK(cpu)", &[("cpu", O)]));
        assert!(check("INSUFFICIENT_DATA(cpu)", &[("cpu", I)]));
        assert!(!check("INSUFFICIENT_DATA(cpu)", &[("cpu", A)]));
    }

    #[test]
    fn true_and_false() {
        assert!(check("TRUE", &[]));
        assert!(!check("FALSE", &[]));
        assert!(check("FALSE OR NOT FALSE", &[]));
    }

    #[test]
    fn examples_from_the_guide() {
        let rule = "ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)";
        assert!(check(
            rule,
            &[("CPUUtilizationTooHigh", A), ("DiskReadOpsTooHigh", A)]
        ));
        assert!(!check(
            rule,
            &[("CPUUtilizationTooHigh", A), ("DiskReadOpsTooHigh", O)]
        ));
        let rule = "ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)";
        assert!(check(
            rule,
            &[("CPUUtilizationTooHigh", A), ("DeploymentInProgress", O)]
        ));
        assert!(!check(
            rule,
            &[("CPUUtilizationTooHigh", A), ("DeploymentInProgress", A)]
        ));
        let rule = "(ALARM(\"CPUUtilizationTooHigh\") OR \nALARM(\"DiskReadOpsTooHigh\")) AND \nOK(\"NetworkOutTooHigh\")";
        assert!(check(
            rule,
            &[("DiskReadOpsTooHigh", A), ("NetworkOutTooHigh", O)]
        ));
        assert!(!check(
            rule,
            &[("DiskReadOpsTooHigh", A), ("NetworkOutTooHigh", A)]
        ));
        assert!(!check(rule, &[("NetworkOutTooHigh", O)]));
    }

    #[test]
    fn precedence_not_and_or() {
        // a OR b AND c == a OR (b AND c)
        assert!(check("ALARM(a) OR ALARM(b) AND ALARM(c)", &[("a", A)]));
        assert!(!check("(ALARM(a) OR ALARM(b)) AND ALARM(c)", &[("a", A)]));
        // NOT binds tighter than AND.
        assert!(check("NOT ALARM(a) AND ALARM(b)", &[("b", A)]));
        assert!(!check("NOT (ALARM(a) AND ALARM(b))", &[("a", A), ("b", A)]));
        assert!(check("NOT NOT ALARM(a)", &[("a", A)]));
    }

    #[test]
    fn at_least_with_count() {
        let rule =
            "AT_LEAST(2, ALARM, (WebServer1CPU, WebServer2CPU, WebServer3CPU, WebServer4CPU))";
        assert!(check(rule, &[("WebServer1CPU", A), ("WebServer3CPU", A)]));
        assert!(!check(rule, &[("WebServer1CPU", A), ("WebServer3CPU", O)]));
        let rule = "AT_LEAST(2, ALARM, (AZ1Health, AZ2Health, AZ3Health)) AND NOT ALARM(MaintenanceWindow)";
        assert!(check(
            rule,
            &[("AZ1Health", A), ("AZ2Health", A), ("MaintenanceWindow", O)]
        ));
        assert!(!check(
            rule,
            &[("AZ1Health", A), ("AZ2Health", A), ("MaintenanceWindow", A)]
        ));
    }

    #[test]
    fn at_least_with_percentage() {
        let rule = "AT_LEAST(50%, OK, (DatabaseConnection1, DatabaseConnection2, DatabaseConnection3, DatabaseConnection4))";
        assert!(check(
            rule,
            &[("DatabaseConnection1", O), ("DatabaseConnection2", O)]
        ));
        assert!(!check(rule, &[("DatabaseConnection1", O)]));
        // 60% of 3 alarms needs 2 (1.8 rounded up).
        let rule = "AT_LEAST(60%, ALARM, (a, b, c))";
        assert!(!check(rule, &[("a", A)]));
        assert!(check(rule, &[("a", A), ("c", A)]));
        assert!(check("AT_LEAST(100%, ALARM, (a))", &[("a", A)]));
        assert!(check("AT_LEAST(33.3%, ALARM, (a, b, c))", &[("b", A)]));
    }

    #[test]
    fn at_least_with_negated_state() {
        let rule = "AT_LEAST(2, NOT OK, (a, b, c))";
        assert!(check(rule, &[("a", A), ("b", O), ("c", I)]));
        assert!(!check(rule, &[("a", O), ("b", O), ("c", I)]));
        assert!(check(
            "AT_LEAST(1, NOT INSUFFICIENT_DATA, (a, b))",
            &[("b", O)]
        ));
        assert!(check("AT_LEAST(1, NOT ALARM, (a))", &[("a", I)]));
        assert!(check("AT_LEAST(1, INSUFFICIENT_DATA, (a))", &[]));
    }

    #[test]
    fn at_least_nested_in_boolean_logic() {
        let rule = "NOT (AT_LEAST(1, ALARM, (a, b)) OR FALSE) AND (TRUE)";
        assert!(check(rule, &[("a", O), ("b", O)]));
        assert!(!check(rule, &[("a", O), ("b", A)]));
        // The same alarm listed twice counts twice.
        assert!(check("AT_LEAST(2, ALARM, (a, a, b))", &[("a", A)]));
    }

    #[test]
    fn quoted_names_and_arns() {
        let arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:my-alarm";
        assert!(check(&format!("ALARM({arn})"), &[(arn, A)]));
        assert!(check(&format!("ALARM(\"{arn}\")"), &[(arn, A)]));
        assert!(check(
            "ALARM(\"my alarm (prod), eu\")",
            &[("my alarm (prod), eu", A)]
        ));
        assert!(check(
            r#"ALARM("say \"hi\" \\ now")"#,
            &[(r#"say "hi" \ now"#, A)]
        ));
        assert!(check(r#"OK("back\slash")"#, &[(r"back\slash", O)]));
        assert!(check("AT_LEAST(1, ALARM, (\"x y\", z))", &[("x y", A)]));
        assert!(check("ALARM( spaced )", &[("spaced", A)]));
        assert!(check("ALARM(ünïcode-名前)", &[("ünïcode-名前", A)]));
    }

    #[test]
    fn children_in_order_without_duplicates() {
        let rule =
            Rule::parse("ALARM(b) OR (OK(a) AND AT_LEAST(1, ALARM, (c, b, \"d e\"))) OR TRUE");
        assert_eq!(
            rule.map(|r| r.children()),
            Ok(vec![
                "b".to_string(),
                "a".to_string(),
                "c".to_string(),
                "d e".to_string()
            ])
        );
        assert_eq!(Rule::parse("TRUE").map(|r| r.children()), Ok(vec![]));
    }

    #[test]
    fn composite_state() {
        let rule = Rule::parse("ALARM(a)").unwrap_or(Rule {
            root: Node::Const(false),
        });
        assert_eq!(rule.state(&|_| A), A);
        assert_eq!(rule.state(&|_| I), O);
    }

    #[test]
    fn parse_errors_are_located() {
        assert_eq!(error_at(""), 0);
        assert_eq!(error_at("   "), 0);
        assert_eq!(error_at("ALARM"), 5);
        assert_eq!(error_at("ALARM()"), 6);
        assert_eq!(error_at("ALARM(a"), 7);
        assert_eq!(error_at("ALARM(my alarm)"), 9);
        assert_eq!(error_at("ALARM(\"unterminated)"), 6);
        assert_eq!(error_at("ALARM(\"\")"), 6);
        assert_eq!(error_at("ALARM(a) ALARM(b)"), 9);
        assert_eq!(error_at("ALARM(a) AND"), 12);
        assert_eq!(error_at("ALARM(a) ANDALARM(b)"), 9);
        assert_eq!(error_at("alarm(a)"), 0);
        assert_eq!(error_at("ALARM(a) and OK(b)"), 9);
        assert_eq!(error_at("WARN(a)"), 0);
        assert_eq!(error_at("(ALARM(a)"), 9);
        assert_eq!(error_at("ALARM(a))"), 8);
        assert_eq!(error_at("NOT"), 3);
        assert_eq!(error_at("AT_LEAST(3, ALARM, (a, b))"), 9);
        assert_eq!(error_at("AT_LEAST(0, ALARM, (a))"), 9);
        assert_eq!(error_at("AT_LEAST(1.5, ALARM, (a, b))"), 9);
        assert_eq!(error_at("AT_LEAST(0%, ALARM, (a))"), 9);
        assert_eq!(error_at("AT_LEAST(101%, ALARM, (a))"), 9);
        assert_eq!(error_at("AT_LEAST(x, ALARM, (a))"), 9);
        assert_eq!(error_at("AT_LEAST(1, WARN, (a))"), 12);
        assert_eq!(error_at("AT_LEAST(1, ALARM, a)"), 19);
        assert_eq!(error_at("AT_LEAST(1, ALARM, ())"), 20);
        assert_eq!(error_at("AT_LEAST(1, ALARM, (a)"), 22);
        assert_eq!(error_at("AT_LEAST(1 ALARM, (a))"), 11);
    }

    #[test]
    fn hostile_rules_do_not_panic() {
        let deep = format!("{}TRUE{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(Rule::parse(&deep).is_err());
        assert!(Rule::parse(&"NOT ".repeat(10_000)).is_err());
        let long = vec!["ALARM(a)"; 10_000].join(" OR ");
        assert_eq!(Rule::parse(&long).map(|r| r.eval(&|_| A)), Ok(true));
        for text in [
            "\"",
            "ALARM(\"\\",
            "AT_LEAST(",
            "AT_LEAST(1%",
            "AT_LEAST(9999999999999999999999, ALARM, (a))",
            "é",
            "ALARM(é",
            ")",
        ] {
            let _ = Rule::parse(text);
        }
    }

    // "Composite alarm action suppression" examples: WaitPeriod is 2 time
    // units and ExtensionPeriod is 3; the composite changes state at t2.
    #[test]
    fn suppressor_example1_not_suppressed_after_wait_period() {
        assert!(!actions_suppressed(2, &[], 2, 3));
        assert!(!actions_suppressed(2, &[(0, O)], 2, 3));
        assert_eq!(action_time(2, &[(0, O)], 2, 3), Some(4));
    }

    #[test]
    fn suppressor_example2_alarm_before_wait_period_expires() {
        let suppressor = [(0, O), (3, A)];
        assert!(actions_suppressed(2, &suppressor, 2, 3));
        // Going to ALARM only when the WaitPeriod has expired is too late.
        assert!(!actions_suppressed(2, &[(4, A)], 2, 3));
        assert_eq!(action_time(2, &[(4, A)], 2, 3), Some(4));
    }

    #[test]
    fn suppressor_example3_new_wait_period_on_composite_change() {
        // The composite changes back to OK at t3: a new WaitPeriod t3..t5.
        assert!(!actions_suppressed(3, &[(0, O)], 2, 3));
        assert_eq!(action_time(3, &[(0, O)], 2, 3), Some(5));
    }

    #[test]
    fn suppressor_example4_already_in_alarm() {
        assert!(actions_suppressed(2, &[(0, A)], 2, 3));
        assert!(actions_suppressed(2, &[(2, A)], 0, 0));
        assert_eq!(action_time(2, &[(0, A)], 2, 3), None);
    }

    #[test]
    fn suppressor_example5_actions_after_extension_period() {
        let suppressor = [(3, A), (6, O)];
        assert!(actions_suppressed(2, &suppressor, 2, 3));
        assert_eq!(action_time(2, &suppressor, 2, 3), Some(9));
        // Without an ExtensionPeriod the actions run as the suppressor leaves ALARM.
        assert_eq!(action_time(2, &suppressor, 2, 0), Some(6));
    }

    #[test]
    fn suppressor_example6_composite_change_during_extension() {
        // The composite changes back to OK at t7: the ExtensionPeriod is
        // discarded and a new WaitPeriod t7..t9 runs.
        let suppressor = [(3, A), (6, O)];
        assert!(!actions_suppressed(7, &suppressor, 2, 3));
        assert_eq!(action_time(7, &suppressor, 2, 3), Some(9));
    }

    #[test]
    fn suppressor_back_in_alarm_during_extension_and_unordered_input() {
        let suppressor = [(10, O), (3, A), (7, A), (6, O)];
        assert!(actions_suppressed(2, &suppressor, 2, 3));
        assert_eq!(action_time(2, &suppressor, 2, 3), Some(13));
        // INSUFFICIENT_DATA does not suppress; duplicates at one instant: last wins.
        assert!(!actions_suppressed(5, &[(1, I), (5, A), (5, O)], 0, 0));
        assert_eq!(
            action_time(i64::MAX - 1, &[], u32::MAX, u32::MAX),
            Some(i64::MAX)
        );
    }

    // The six examples of "Suppressing composite alarm actions"
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm_Suppression.html),
    // with WaitPeriod t2..t4 (2 units) and ExtensionPeriod 3 units: when each
    // of the composite's changes takes its actions.
    #[test]
    fn aws_example1_actions_taken_when_the_wait_period_expires() {
        // Composite OK -> ALARM at t2; the suppressor stays OK: actions at t4.
        assert_eq!(action_times(&[(2, A)], &[(0, O)], 2, 3), vec![Some(4)]);
    }

    #[test]
    fn aws_example2_suppressor_alarm_within_the_wait_period() {
        // The suppressor goes to ALARM at t3 and stays there: never.
        assert_eq!(action_times(&[(2, A)], &[(0, O), (3, A)], 2, 3), vec![None]);
    }

    #[test]
    fn aws_example3_composite_back_to_ok_within_the_wait_period() {
        // ALARM at t2, OK at t3: the ALARM actions are never taken; a new
        // WaitPeriod t3..t5 ends with the OK actions.
        assert_eq!(
            action_times(&[(2, A), (3, O)], &[(0, O)], 2, 3),
            vec![None, Some(5)]
        );
    }

    #[test]
    fn aws_example4_suppressor_already_in_alarm() {
        assert_eq!(action_times(&[(2, A)], &[(0, A)], 2, 3), vec![None]);
        // When it leaves ALARM, the ExtensionPeriod runs first.
        assert_eq!(
            action_times(&[(2, A)], &[(0, A), (5, O)], 2, 3),
            vec![Some(8)]
        );
    }

    #[test]
    fn aws_example5_actions_taken_when_the_extension_period_expires() {
        // Suppressor ALARM at t3, OK at t6; ExtensionPeriod t6..t9.
        assert_eq!(
            action_times(&[(2, A)], &[(0, O), (3, A), (6, O)], 2, 3),
            vec![Some(9)]
        );
    }

    #[test]
    fn aws_example6_composite_back_to_ok_within_the_extension_period() {
        // The composite changes back to OK at t7: the ExtensionPeriod is
        // discarded, the ALARM actions are never taken, and the new
        // WaitPeriod t7..t9 ends with the OK actions.
        assert_eq!(
            action_times(&[(2, A), (7, O)], &[(0, O), (3, A), (6, O)], 2, 3),
            vec![None, Some(9)]
        );
    }

    #[test]
    fn a_change_when_the_period_expires_keeps_the_earlier_actions() {
        assert_eq!(
            action_times(&[(2, A), (4, O)], &[], 2, 3),
            vec![Some(4), Some(6)]
        );
        assert_eq!(action_times(&[], &[], 2, 3), Vec::<Option<i64>>::new());
    }
}
