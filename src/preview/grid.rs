//! Where CloudWatch puts each widget on the 24-column dashboard grid.
//!
//! The Dashboard Body Structure page of the CloudWatch API Reference
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html>):
//! `x` is 0–23 and `y` any integer from 0, "the default is the next
//! available position"; `width` (1–24) and `height` (1–1000) default to 6.
//! Widgets that give `x` and `y` sit there. A widget without them goes to
//! the next free place after the previous one placed this way, reading the
//! grid row by row, left to right (a widget with only `x` keeps its column
//! and takes the first free row there); the compiler writes every position
//! (`compile::layout`), so this only matters for bodies written by hand.

use serde_json::Value;

/// Grid width in columns.
pub const COLUMNS: i64 = 24;

/// Height beyond which the occupancy scan stops looking (the grid's
/// largest height of 1000 rows for each of the 500 widgets a body may hold).
const MAX_ROWS: i64 = 500 * 1000;

/// One widget's cell on the grid: its index in `widgets`, column, row,
/// width and height in grid units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// Index in the body's `widgets`.
    pub index: usize,
    /// Column (0–23).
    pub x: i64,
    /// Row.
    pub y: i64,
    /// Width in columns.
    pub width: i64,
    /// Height in rows.
    pub height: i64,
}

impl Cell {
    /// The row below the cell.
    pub fn bottom(&self) -> i64 {
        self.y + self.height
    }
}

/// An integer property of a widget (floats are rounded, as CloudWatch
/// stores integers).
fn int(widget: &Value, key: &str) -> Option<i64> {
    let v = widget.get(key)?;
    v.as_i64().or_else(|| v.as_f64().map(|f| f.round() as i64))
}

/// Rows occupied: one bit per column.
#[derive(Default)]
struct Occupied {
    rows: Vec<u32>,
}

impl Occupied {
    fn mask(x: i64, width: i64) -> u32 {
        let x = x.clamp(0, COLUMNS);
        let end = (x + width).clamp(0, COLUMNS);
        let ones = |n: i64| if n >= 32 { u32::MAX } else { (1u32 << n) - 1 };
        ones(end) & !ones(x)
    }

    fn fits(&self, c: &Cell) -> bool {
        let mask = Occupied::mask(c.x, c.width);
        (c.y..c.bottom()).all(|row| {
            usize::try_from(row)
                .ok()
                .and_then(|r| self.rows.get(r))
                .is_none_or(|bits| bits & mask == 0)
        })
    }

    fn take(&mut self, c: &Cell) {
        let mask = Occupied::mask(c.x, c.width);
        let Ok(bottom) = usize::try_from(c.bottom().clamp(0, MAX_ROWS)) else {
            return;
        };
        if self.rows.len() < bottom {
            self.rows.resize(bottom, 0);
        }
        let top = usize::try_from(c.y.max(0)).unwrap_or(0);
        for bits in self.rows.iter_mut().take(bottom).skip(top) {
            *bits |= mask;
        }
    }
}

/// The cell of every widget of `widgets`, in their order.
pub fn place(widgets: &[Value]) -> Vec<Cell> {
    let mut cells: Vec<Option<Cell>> = Vec::with_capacity(widgets.len());
    let mut taken = Occupied::default();
    for (index, w) in widgets.iter().enumerate() {
        let width = int(w, "width").unwrap_or(6).clamp(1, COLUMNS);
        let height = int(w, "height").unwrap_or(6).clamp(1, 1000);
        match (int(w, "x"), int(w, "y")) {
            (Some(x), Some(y)) => {
                let cell = Cell {
                    index,
                    x: x.clamp(0, COLUMNS - 1),
                    y: y.clamp(0, MAX_ROWS),
                    width,
                    height,
                };
                taken.take(&cell);
                cells.push(Some(cell));
            }
            _ => cells.push(None),
        }
    }
    // Then the widgets without a position, in order, each after the last.
    let (mut cx, mut cy) = (0i64, 0i64);
    for (index, w) in widgets.iter().enumerate() {
        if cells.get(index).is_some_and(Option::is_some) {
            continue;
        }
        let width = int(w, "width").unwrap_or(6).clamp(1, COLUMNS);
        let height = int(w, "height").unwrap_or(6).clamp(1, 1000);
        let fixed_x = int(w, "x").map(|x| x.clamp(0, COLUMNS - width));
        let mut cell = Cell {
            index,
            x: 0,
            y: cy,
            width,
            height,
        };
        'search: while cell.y <= MAX_ROWS {
            let columns: Vec<i64> = match fixed_x {
                Some(x) => vec![x],
                None => (0..=COLUMNS - width).collect(),
            };
            for x in columns {
                if cell.y == cy && fixed_x.is_none() && x < cx {
                    continue;
                }
                cell.x = x;
                if taken.fits(&cell) {
                    break 'search;
                }
            }
            cell.y += 1;
        }
        taken.take(&cell);
        cx = cell.x + cell.width;
        cy = cell.y;
        if let Some(slot) = cells.get_mut(index) {
            *slot = Some(cell);
        }
    }
    cells.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cells(widgets: Value) -> Vec<(i64, i64, i64, i64)> {
        let list = widgets.as_array().cloned().unwrap_or_default();
        place(&list)
            .iter()
            .map(|c| (c.x, c.y, c.width, c.height))
            .collect()
    }

    #[test]
    fn positioned_widgets_stay_where_they_are() {
        let got = cells(json!([
            {"x": 12, "y": 7, "width": 12, "height": 3},
            {"x": 0, "y": 0, "width": 24, "height": 7}
        ]));
        assert_eq!(got, vec![(12, 7, 12, 3), (0, 0, 24, 7)]);
    }

    #[test]
    fn defaults_are_six_by_six_at_the_next_free_place() {
        let got = cells(json!([{}, {}, {}, {}, {}]));
        assert_eq!(
            got,
            vec![
                (0, 0, 6, 6),
                (6, 0, 6, 6),
                (12, 0, 6, 6),
                (18, 0, 6, 6),
                (0, 6, 6, 6)
            ]
        );
    }

    #[test]
    fn unpositioned_widgets_go_around_positioned_ones() {
        let got = cells(json!([
            {"x": 0, "y": 0, "width": 12, "height": 6},
            {"width": 12},
            {"width": 18, "height": 2}
        ]));
        assert_eq!(got, vec![(0, 0, 12, 6), (12, 0, 12, 6), (0, 6, 18, 2)]);
    }

    #[test]
    fn a_widget_with_only_x_keeps_its_column() {
        let got = cells(json!([{"x": 0, "y": 0, "width": 24, "height": 2}, {"x": 18}]));
        assert_eq!(got, vec![(0, 0, 24, 2), (18, 2, 6, 6)]);
    }
}
