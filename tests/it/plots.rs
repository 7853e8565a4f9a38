//! Alarm plots (`obsctl test --plots`): a deliberately failing test
//! (tests/fixtures/plots/) gives a plot showing its series values, the
//! threshold, the M-of-N window, the states and the failed expectation
//! (snapshot-tested); JUnit links it; `--plots-all` plots passing ones.

use crate::support::{RunExt, catalogue_copy, obsctl, root};

fn run_plots(
    all: bool,
    filter: &str,
) -> (tempfile::TempDir, tempfile::TempDir, crate::support::Run) {
    let cat = catalogue_copy("cat-house");
    std::fs::copy(
        root().join("tests/fixtures/plots/failing-test.yaml"),
        cat.path().join("definitions/cat-house/tests/plot.yaml"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = cat
        .path()
        .join("definitions/cat-house")
        .display()
        .to_string();
    let plots = out.path().join("plots").display().to_string();
    let junit = out.path().join("junit.xml").display().to_string();
    let mut args = vec![
        "-d", &dir, "test", "--env", "staging", "--plots", &plots, "--junit", &junit,
    ];
    if all {
        args.push("--plots-all");
    }
    args.push(filter);
    let run = obsctl(&args).run();
    (cat, out, run)
}

#[test]
fn a_failing_expectation_gets_a_plot_with_its_series_and_threshold() {
    let (_cat, out, run) = run_plots(false, "plot-of-a-failing");
    assert_eq!(
        run.code, 1,
        "the fixture's test fails: {}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains("1 alarm plot(s) written"),
        "{}",
        run.stdout
    );
    let path = out
        .path()
        .join("plots/staging/plot-of-a-failing-expectation-auth-service/cat-house-staging-auth-service-service-down.svg");
    let svg = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // The datapoints' values (Average per minute), the threshold, M of N,
    // the failed expectation and the states.
    for value in [">3</text>", ">2</text>", ">0.5</text>"] {
        assert!(svg.contains(value), "value {value} in the plot");
    }
    assert!(svg.contains(r#"class="threshold""#) && svg.contains(">threshold 1</text>"));
    assert!(svg.contains("2 of 2 evaluated at 9m"), "the M-of-N window");
    assert!(svg.contains("expected OK, got ALARM"), "the failure");
    assert!(svg.contains("✗ expect OK at 9m") && svg.contains("✓ expect OK at 4m"));
    assert!(svg.contains(">ALARM</text>") && svg.contains(">OK</text>"));
    assert!(svg.contains("sent ALARM"), "the ALARM notification is sent");
    // Six sample dots below the threshold... and 4 above: every sample.
    assert_eq!(svg.matches(r#"class="sample""#).count(), 10);
    // It is valid SVG (OBSCTL_PREVIEW_PNG=DIR writes the picture there).
    crate::previews::save_png("alarm-plot", &crate::previews::rasterise(&svg));
    insta::assert_snapshot!("alarm_plot_failing", svg);
    // JUnit links it.
    let junit = std::fs::read_to_string(out.path().join("junit.xml")).unwrap();
    assert!(
        junit.contains(r#"<property name="attachment" value=""#),
        "{junit}"
    );
    assert!(
        junit.contains(&format!("[[ATTACHMENT|{}]]", path.display())),
        "{junit}"
    );
}

#[test]
fn plots_all_plots_passing_expectations_too() {
    // A passing test, one case per service: plots only with --plots-all.
    let (_cat, _out, run) = run_plots(false, "service-down-one-task-is-enough");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("0 alarm plot(s) written"),
        "{}",
        run.stdout
    );
    let (_cat, out, run) = run_plots(true, "service-down-one-task-is-enough");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("5 alarm plot(s) written"),
        "{}",
        run.stdout
    );
    let svg = std::fs::read_to_string(out.path().join(
        "plots/staging/service-down-one-task-is-enough-auth-service/cat-house-staging-auth-service-service-down.svg",
    ))
    .unwrap();
    assert!(svg.contains("✓ expect") && !svg.contains("✗"));
}
