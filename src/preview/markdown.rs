//! A text widget's Markdown as lines a preview can draw: headings, table
//! rows (cells), list items, code and paragraphs, with inline markup
//! (`**bold**`, `*em*`, `` `code` ``, `[text](link)`) reduced to its text.
//! Not a Markdown renderer: enough for a reviewer to read what the widget
//! says and see its shape.

/// One block line of a text widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// `#`…`######` heading: level and text.
    Heading(usize, String),
    /// A table row's cells (the separator row is dropped); true for the
    /// first row (the header).
    Row(Vec<String>, bool),
    /// A list item's text.
    Item(String),
    /// A line inside a code fence.
    Code(String),
    /// Paragraph text.
    Text(String),
    /// An empty line.
    Blank,
}

/// Reduces inline markup to its text.
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '*' | '_' if chars.get(i + 1) == Some(&c) => i += 2,
            '*' | '`' => i += 1,
            '[' => {
                // [text](link) → text
                let close = chars[i..].iter().position(|&c| c == ']').map(|p| p + i);
                match close {
                    Some(end) if chars.get(end + 1) == Some(&'(') => {
                        let paren = chars[end..].iter().position(|&c| c == ')').map(|p| p + end);
                        out.extend(chars.get(i + 1..end).unwrap_or_default());
                        i = paren.map_or(end + 1, |p| p + 1);
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Whether `line` is a table's separator row (`|---|:---:|`).
fn separator(line: &str) -> bool {
    line.contains('-') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// The blocks of `markdown`, one per source line.
pub fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut in_code = false;
    let mut header_next = true;
    for raw in markdown.lines() {
        let line = raw.trim();
        if line.starts_with("```") || line.starts_with("~~~") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push(Block::Code(raw.to_string()));
            continue;
        }
        if line.starts_with('|') {
            if separator(line) {
                continue;
            }
            let inner = line.trim_start_matches('|').trim_end_matches('|');
            let cells = inner.split('|').map(|c| inline(c.trim())).collect();
            out.push(Block::Row(cells, header_next));
            header_next = false;
            continue;
        }
        header_next = true;
        if line.is_empty() {
            out.push(Block::Blank);
        } else if let Some(rest) = line.strip_prefix('#') {
            let level = 1 + rest.chars().take_while(|&c| c == '#').count();
            let text = rest.trim_start_matches('#').trim();
            out.push(Block::Heading(level.min(6), inline(text)));
        } else if let Some(rest) = ["- ", "* ", "+ "].iter().find_map(|p| line.strip_prefix(p)) {
            out.push(Block::Item(inline(rest)));
        } else {
            out.push(Block::Text(inline(line)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_headings_tables_items_and_inline_markup() {
        let md = "# Title\n\n| A | B |\n|---|:-:|\n| 1 | **2** |\n- see [runbook](https://x/y)\n```\ncode | here\n```\n`x` text";
        assert_eq!(
            blocks(md),
            vec![
                Block::Heading(1, "Title".into()),
                Block::Blank,
                Block::Row(vec!["A".into(), "B".into()], true),
                Block::Row(vec!["1".into(), "2".into()], false),
                Block::Item("see runbook".into()),
                Block::Code("code | here".into()),
                Block::Text("x text".into()),
            ]
        );
    }

    #[test]
    fn unbalanced_markup_is_kept_as_text() {
        assert_eq!(inline("[not a link"), "[not a link");
        assert_eq!(inline("[a] b"), "[a] b");
        assert_eq!(inline("[a](b"), "a(b");
    }
}
