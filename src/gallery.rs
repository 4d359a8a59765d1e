//! The screen gallery: every screen of every flow, in every language of the program,
//! drawn to PNG files with the terminal's own renderer, and an index page, for reviews
//! of the texts and the look and for documentation.
//!
//! A screen is best shown as a customer meets it, with real accounts and amounts, so the
//! gallery runs the scenario files and keeps each screen the first time a scenario shows
//! it, in every language at that moment ([`Terminal::view_in`]). A screen no scenario
//! reaches is still drawn, as a preview with the flow's variables empty
//! ([`Session::preview`]), and the index says which is which.
//!
//! [`Terminal::view_in`]: atmflow_engine::terminal::Terminal::view_in
//! [`Session::preview`]: atmflow_engine::interp::Session::preview

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use atmflow_engine::interp::Session;
use atmflow_engine::ports::ScreenView;
use atmflow_engine::program::Program;
use atmflow_ui::ScreenOptions;
use atmflow_ui::egui;
use atmflow_ui::offscreen::{OffscreenRenderer, RenderError};

use crate::scenario::{ScenarioFile, run_scenario_observed, scenario_start};

/// Where a screen's picture comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The first moment a scenario showed it.
    Scenario { file: String, name: String },
    /// No scenario reaches it: drawn with the flow's variables at their defaults.
    Preview,
}

/// One screen of one flow, in every language.
#[derive(Clone, Debug)]
pub struct Shot {
    pub flow: String,
    pub screen: String,
    pub origin: Origin,
    /// By language code, in the program's order of languages.
    pub views: Vec<(String, ScreenView)>,
}

/// What the gallery could not do, said in the index and by the command.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    pub shots: Vec<Shot>,
    /// Screens no step shows: nothing can draw them (the linter reports them too).
    pub unused: Vec<(String, String)>,
    /// Scenario files or scenarios that did not run to their end; the screens they showed
    /// before they stopped are kept.
    pub scenario_problems: Vec<String>,
}

/// Collects a view of every screen of the flows in `only` (all when empty): from the
/// scenarios in `scenario_files` first, then previews.
pub fn collect(program: &Arc<Program>, scenario_files: &[PathBuf], only: &[String]) -> Collected {
    let wanted = |flow: &str| only.is_empty() || only.iter().any(|f| f == flow);
    let mut seen: BTreeMap<(String, String), Shot> = BTreeMap::new();
    let mut problems = Vec::new();
    for path in scenario_files {
        let file = path.display().to_string();
        let parsed: ScenarioFile = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_saphyr::from_str(&text).map_err(|e| e.to_string()))
        {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{file}: {e}"));
                continue;
            }
        };
        for scenario in &parsed.scenarios {
            let mut observe = |t: &mut crate::actions::SimTerminal| {
                let Some((flow, screen)) = t
                    .view()
                    .and_then(|v| v.id.split_once('/'))
                    .map(|(f, s)| (f.to_string(), s.to_string()))
                else {
                    return;
                };
                if !wanted(&flow) || seen.contains_key(&(flow.clone(), screen.clone())) {
                    return;
                }
                let views = program
                    .languages
                    .iter()
                    .filter_map(|lang| t.view_in(lang).map(|v| (lang.clone(), v)))
                    .collect();
                seen.insert(
                    (flow.clone(), screen.clone()),
                    Shot {
                        flow,
                        screen,
                        origin: Origin::Scenario {
                            file: file.clone(),
                            name: scenario.name.clone(),
                        },
                        views,
                    },
                );
            };
            if let Err(e) = run_scenario_observed(scenario, program, &mut observe) {
                let first = e.lines().next().unwrap_or_default();
                problems.push(format!("{file} :: {}: {first}", scenario.name));
            }
        }
    }

    let mut collected = Collected {
        scenario_problems: problems,
        ..Collected::default()
    };
    for (flow_id, flow) in &program.flows {
        if !wanted(flow_id) {
            continue;
        }
        for screen in flow.screens.keys() {
            let key = (flow_id.clone(), screen.clone());
            if let Some(shot) = seen.remove(&key) {
                collected.shots.push(shot);
                continue;
            }
            let views: Vec<(String, ScreenView)> = program
                .languages
                .iter()
                .filter_map(|lang| {
                    Session::preview(program.clone(), flow_id, screen, lang, scenario_start())
                        .map(|v| (lang.clone(), v))
                })
                .collect();
            if views.is_empty() {
                collected.unused.push(key);
            } else {
                collected.shots.push(Shot {
                    flow: flow_id.clone(),
                    screen: screen.clone(),
                    origin: Origin::Preview,
                    views,
                });
            }
        }
    }
    collected
}

/// The scenario files (`*.yaml`) of a folder, sorted; none when it does not exist.
pub fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    files
}

/// Why the gallery could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GalleryError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode {path} as PNG: {message}")]
    Encode { path: PathBuf, message: String },
}

/// The PNG file of one screen in one language, relative to the gallery's folder.
pub fn image_path(flow: &str, screen: &str, language: &str) -> PathBuf {
    PathBuf::from(flow).join(format!("{screen}.{language}.png"))
}

/// Draws every shot into `out` (`FLOW/SCREEN.LANG.png`) at `size` points, and writes the
/// index, `out/index.md`. Answers the number of images written.
pub fn write(
    collected: &Collected,
    out: &Path,
    size: (f32, f32),
    mut progress: impl FnMut(&Shot),
) -> Result<usize, GalleryError> {
    let mut renderer = OffscreenRenderer::new(egui::vec2(size.0, size.1))?;
    let options = ScreenOptions {
        now: Some(scenario_start()),
    };
    let mut written = 0;
    for shot in &collected.shots {
        progress(shot);
        for (language, view) in &shot.views {
            let image = renderer.render(view, &options)?;
            let path = out.join(image_path(&shot.flow, &shot.screen, language));
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| GalleryError::Write {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
            image
                .save_with_format(&path, atmflow_ui::offscreen::ImageFormat::Png)
                .map_err(|e| GalleryError::Encode {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            written += 1;
        }
    }
    let index = out.join("index.md");
    std::fs::write(&index, index_markdown(collected)).map_err(|source| GalleryError::Write {
        path: index.clone(),
        source,
    })?;
    Ok(written)
}

/// The index page: every flow, its screens side by side in each language, and where each
/// picture comes from.
pub fn index_markdown(collected: &Collected) -> String {
    let mut md = String::from("# Screen gallery\n\n");
    let previews = collected
        .shots
        .iter()
        .filter(|s| s.origin == Origin::Preview)
        .count();
    let _ = writeln!(
        md,
        "{} screens. Each is shown the first time a scenario reaches it; {} that no \
         scenario reaches are previews, drawn with the flow's variables empty. Written by \
         `atmflow gallery`.\n",
        collected.shots.len(),
        previews
    );
    let mut flow = "";
    for shot in &collected.shots {
        if shot.flow != flow {
            flow = &shot.flow;
            let _ = writeln!(md, "## {flow}\n");
        }
        let origin = match &shot.origin {
            Origin::Scenario { file, name } => {
                let file = Path::new(file)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                format!("scenario *{name}* ({file})")
            }
            Origin::Preview => "preview (no scenario reaches it)".to_string(),
        };
        let _ = writeln!(md, "### {}/{}\n\n{origin}\n", shot.flow, shot.screen);
        for (language, _) in &shot.views {
            let path = image_path(&shot.flow, &shot.screen, language);
            let _ = writeln!(
                md,
                "![{}/{} in {language}]({})",
                shot.flow,
                shot.screen,
                path.display()
            );
        }
        md.push('\n');
    }
    if !collected.unused.is_empty() {
        md.push_str("## Screens no step shows\n\n");
        for (flow, screen) in &collected.unused {
            let _ = writeln!(md, "- {flow}/{screen}");
        }
        md.push('\n');
    }
    if !collected.scenario_problems.is_empty() {
        md.push_str("## Scenarios that stopped early\n\n");
        for p in &collected.scenario_problems {
            let _ = writeln!(md, "- {p}");
        }
    }
    md
}
