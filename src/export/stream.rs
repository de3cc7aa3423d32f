//! Streamed exports of long lists: the rows come a page at a time and memory holds about one page,
//! whatever the row count. The first page is read before answering, so that an error in the
//! request is still answered as an error; an error after it cuts the download short (logged, and
//! the connection is broken off so the client sees an incomplete download), as the status is sent.
//!
//! CSV is written as the pages come. XLSX is a zip whose directory comes last, so it is finished
//! before its first byte: its rows go to a constant-memory worksheet (a temporary file), the zip to
//! an anonymous temporary file in the data folder's `tmp` (gone when closed, even after a crash),
//! which is then sent in 64 KiB pieces. The response's headers are sent after the first page.

use std::io::{Read, Seek};
use std::path::Path;
use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use poem::Response;

use super::xlsx::SheetWriter;
use super::{CSV, Cell, XLSX, csv_records, download, write_csv};
use crate::error::AppError;

/// Typed rows for [`stream_csv`] and [`stream_xlsx`], a page at a time.
pub type RowPages = Pin<Box<dyn Stream<Item = Result<Vec<Vec<Cell>>, AppError>> + Send>>;

/// A CSV download (UTF-8 BOM, cells as [`super::sheet_to_csv`] writes them) sent while its rows are
/// read: `first` is the first page, already read; `rest` yields the following pages.
pub fn stream_csv(
    headers: &[String],
    first: Vec<Vec<Cell>>,
    rest: RowPages,
    base_name: &str,
) -> Result<Response, AppError> {
    let text = |rows: Vec<Vec<Cell>>| rows.into_iter().map(|r| r.iter().map(Cell::text).collect());
    let head = write_csv(headers, text(first))?;
    let tail = rest.map(move |page| {
        page.and_then(|rows| csv_records(text(rows))).map_err(|e| {
            tracing::error!("csv export cut short: {e}");
            std::io::Error::other(e.to_string())
        })
    });
    let body = poem::Body::from_bytes_stream(futures_util::stream::once(std::future::ready(Ok(head))).chain(tail));
    Ok(download(body, &format!("{base_name}.csv"), CSV))
}

/// Pieces of a download on their way to the client.
type Pieces = tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>;

/// An XLSX download of rows read a page at a time (see the module note); `tmp` is the folder of
/// the temporary files, made when missing.
pub fn stream_xlsx(
    tmp: &Path,
    headers: &[String],
    first: Vec<Vec<Cell>>,
    rest: RowPages,
    base_name: &str,
) -> Result<Response, AppError> {
    std::fs::create_dir_all(tmp).map_err(|e| AppError::internal_from("making the export folder", e))?;
    let file = tempfile::tempfile_in(tmp).map_err(|e| AppError::internal_from("making the export file", e))?;
    let mut sheet = SheetWriter::new(base_name, headers, Some(tmp))?;
    sheet.write_rows(&first)?;
    drop(first);
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        if let Err(e) = finish_and_send(sheet, rest, file, tx.clone()).await {
            tracing::error!("xlsx export cut short: {e}");
            let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
        }
    });
    let pieces = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|piece| (piece, rx)) });
    Ok(download(
        poem::Body::from_bytes_stream(pieces),
        &format!("{base_name}.xlsx"),
        XLSX,
    ))
}

/// Writes the remaining pages, saves the zip into `file` and sends it.
async fn finish_and_send(
    mut sheet: SheetWriter,
    mut rest: RowPages,
    mut file: std::fs::File,
    tx: Pieces,
) -> Result<(), AppError> {
    while let Some(page) = rest.next().await {
        sheet.write_rows(&page?)?;
        if tx.is_closed() {
            return Ok(()); // the client went away
        }
    }
    let io = |e: std::io::Error| AppError::internal_from("sending the export file", e);
    tokio::task::spawn_blocking(move || {
        sheet.save_into(&mut file)?;
        file.rewind().map_err(io)?;
        loop {
            let mut piece = vec![0; 64 * 1024];
            let n = file.read(&mut piece).map_err(io)?;
            if n == 0 {
                return Ok(());
            }
            piece.truncate(n);
            if tx.blocking_send(Ok(piece)).is_err() {
                return Ok(()); // the client went away
            }
        }
    })
    .await
    .map_err(|e| AppError::internal_from("sending the export file", e))?
}
