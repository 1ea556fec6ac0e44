//! Glossary: every term the screens use, in plain words, for a reader who is not a
//! statistician. Table headings point here with a hover text of their own.

use eframe::egui;

/// Each term and what it means, in the order a reader meets them.
pub(crate) const TERMS: [(&str, &str); 15] = [
    (
        "Track",
        "One person's face seen in a row of frames, linked together. A reviewer labels a track \
         once; every count in lineup is of tracks, called searches.",
    ),
    (
        "Search",
        "One track compared with everyone on the watchlist, as a live system would compare a \
         face passing the camera.",
    ),
    (
        "Mated search",
        "A search of someone who IS on the watchlist. The system should find them.",
    ),
    (
        "Non-mated search",
        "A search of someone who is NOT on the watchlist. The system should stay silent.",
    ),
    (
        "FPIR",
        "False positive identification rate: the share of non-mated searches that raise an \
         alert, i.e. how often a passer-by is wrongly flagged. It grows with the size of the \
         watchlist, so it is always given with the size it was measured at.",
    ),
    (
        "FNIR (rank 1)",
        "False negative identification rate: the share of mated searches where the system's \
         best candidate is not the right person at or above the threshold, i.e. how often a \
         wanted person is missed (or named as somebody else).",
    ),
    (
        "Threshold",
        "The similarity score at which the system raises an alert. Higher: fewer false alerts, \
         more missed people. A group may have a threshold of its own.",
    ),
    (
        "Interval (95%)",
        "The range the true rate probably lies in, given how few searches it rests on. A wide \
         range means the data cannot say much; lineup never reads more into a number than its \
         range allows.",
    ),
    (
        "Effective searches",
        "What the searches are worth as independent evidence. Ten tracks of one person are not \
         ten people: lineup counts them for less, and widens the interval accordingly.",
    ),
    (
        "Reference group (× reference)",
        "The group every other group's rate is divided by. '×3' means three times the reference \
         group's rate. By default a known group with enough searches and the lowest rate.",
    ),
    (
        "Parity band",
        "Ratios between 0.8 and 1.25 count as parity. 'Disparity' is said only when a ratio's \
         whole interval lies outside that band; otherwise the data cannot tell.",
    ),
    (
        "DET curve",
        "Detection error trade-off: how FNIR and FPIR trade against each other as the threshold \
         moves, one line per group.",
    ),
    (
        "Monk scale",
        "A 10-step scale of skin tone (1 lightest, 10 darkest) used to label perceived skin tone \
         so that error rates can be compared between groups.",
    ),
    (
        "ITA (skin-tone suggestion)",
        "Individual Typology Angle: a number computed from the cheek pixels that lineup uses to \
         suggest a Monk value. Lighting moves it a lot; a person always decides.",
    ),
    (
        "Cohen's kappa",
        "How far two reviewers who labelled the same tracks without seeing each other's labels \
         agree, beyond the agreement chance alone would give (κ). 1 is perfect agreement, 0 no \
         better than chance, below 0 worse. It cannot be worked out when both gave every track \
         one and the same value. Low agreement on an attribute means the groups built from it \
         rest on guesses, and so do their rates.",
    ),
];

/// What `term` means, for a hover text; empty for a term not in the glossary.
pub(crate) fn meaning(term: &str) -> &'static str {
    TERMS
        .iter()
        .find(|(name, _)| *name == term)
        .map_or("", |(_, meaning)| meaning)
}

pub(crate) fn show(ui: &mut egui::Ui) {
    egui::ScrollArea::vertical()
        .id_salt("glossary")
        .show(ui, |ui| {
            ui.heading("What the words mean");
            for (term, meaning) in TERMS {
                ui.add_space(6.0);
                ui.strong(term);
                ui.label(meaning);
            }
        });
}
