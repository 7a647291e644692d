//! Themes: named, semantic style slots (`theme.status.ok`, `theme.table.header`)
//! so views never pick raw colours, loaded from TOML.
//!
//! A theme is a built-in preset with an optional user file laid over it
//! (`<user_dir>/<name>.toml`); the user file changes only the slots and style
//! fields it names.

mod parse;

use std::path::Path;

use ratatui::style::{Modifier, Style};

pub use crate::basics::config_file::ConfigFileError;
use crate::basics::config_file::{Catalogue, Source};

/// Declares the slot structs, [`Theme`] and the slot table from one list, so
/// the names used in files and the struct fields cannot drift apart.
macro_rules! theme_slots {
    ($(
        $(#[$section_doc:meta])*
        $section:ident: $Section:ident { $( $(#[$slot_doc:meta])* $slot:ident, )* }
    )*) => {
        $(
            $(#[$section_doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
            pub struct $Section { $( $(#[$slot_doc])* pub $slot: Style, )* }
        )*

        /// Styles for every semantic slot of the UI.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            pub name: String,
            $( pub $section: $Section, )*
        }

        /// `(section, slots)` as spelled in theme files.
        pub const SLOTS: &[(&str, &[&str])] = &[
            $( (stringify!($section), &[ $( stringify!($slot), )* ]), )*
        ];

        impl Theme {
            /// A theme with every slot unstyled (the terminal's defaults).
            fn unstyled(name: &str) -> Theme {
                Theme { name: name.to_owned(), $( $section: $Section::default(), )* }
            }

            fn slot_mut(&mut self, section: &str, slot: &str) -> Option<&mut Style> {
                match (section, slot) {
                    $( $( (stringify!($section), stringify!($slot)) => Some(&mut self.$section.$slot), )* )*
                    _ => None,
                }
            }
        }
    };
}

theme_slots! {
    /// Screen-wide chrome.
    ui: UiStyles {
        /// Foreground/background of the whole screen; other slots draw over it.
        base,
        border,
        /// Pane and overlay titles.
        title,
        /// Secondary text (ages, hints, placeholders).
        dim,
        /// The key in key hints and the help overlay.
        key_hint,
        /// The filter / command input line.
        filter,
    }
    /// List views.
    table: TableStyles {
        header,
        row,
        /// Every other row (zebra); set it equal to `row` to turn zebra off.
        row_alt,
        selected,
        /// Cells showing replica or image skew across clusters.
        skew,
    }
    /// Health of clusters and workloads.
    status: StatusStyles {
        ok,
        /// Degraded or syncing.
        warn,
        /// Unreachable or failing.
        error,
        /// Excluded by the user.
        excluded,
        /// Not known yet (connecting).
        unknown,
    }
    /// Mode badges in the title bar.
    badge: BadgeStyles {
        read_only,
        demo,
    }
}

const CATALOGUE: Catalogue = Catalogue {
    noun: "theme",
    dir: "themes",
    presets: &[
        ("dark", include_str!("../../themes/dark.toml")),
        ("light", include_str!("../../themes/light.toml")),
        (
            "high-contrast",
            include_str!("../../themes/high-contrast.toml"),
        ),
    ],
    fallback: "dark",
};

impl Theme {
    /// Names of the built-in themes.
    pub fn presets() -> Vec<&'static str> {
        CATALOGUE.presets.iter().map(|(n, _)| *n).collect()
    }

    /// Built-in themes plus the `*.toml` files in `user_dir`, sorted.
    pub fn available(user_dir: Option<&Path>) -> Vec<String> {
        CATALOGUE.available(user_dir)
    }

    /// The same theme with no colour at all (`NO_COLOR`): bold, dim and the
    /// like stay; the selected row is reversed so it still shows.
    pub fn without_color(mut self) -> Theme {
        for (section, slots) in SLOTS {
            for slot in *slots {
                if let Some(s) = self.slot_mut(section, slot) {
                    s.fg = None;
                    s.bg = None;
                    s.underline_color = None;
                }
            }
        }
        self.table.selected = self.table.selected.add_modifier(Modifier::REVERSED);
        self
    }

    /// The theme `name`: its preset (or `dark` when only a user file has that
    /// name) overlaid with `<user_dir>/<name>.toml` if that file exists.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ConfigFileError> {
        let mut theme = Theme::unstyled(name);
        for layer in CATALOGUE.layers(name, user_dir)? {
            theme.overlay(&layer.path, &layer.text)?;
        }
        Ok(theme)
    }

    /// Apply the slots set in `text` (read from `path`, used in errors).
    fn overlay(&mut self, path: &Path, text: &str) -> Result<(), ConfigFileError> {
        for set in parse::parse_theme(&Source { path, text })? {
            if let Some(style) = self.slot_mut(set.section, set.slot) {
                *style = set.patch.apply(*style);
            }
        }
        Ok(())
    }
}

impl Default for Theme {
    fn default() -> Self {
        // The shipped presets are checked by tests, so this cannot fail in practice.
        Theme::load("dark", None).expect("built-in dark theme is valid")
    }
}

#[cfg(test)]
mod tests;
