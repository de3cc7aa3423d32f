//! Issue 11: the service probed as an attacker would. Each test here failed on the code before its
//! fix, grouped by finding.

mod requests;
mod sign_in;
