//! Request body size limit. poem's own `SizeLimit` refuses every request without a
//! `Content-Length` (even a plain GET), so this one checks the header when present and otherwise
//! stops reading a streamed body once it passes the limit.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use poem::http::header;
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use tokio::io::{AsyncRead, ReadBuf};

use crate::error::AppError;

/// Middleware body: refuses bodies larger than `max` bytes with 413.
pub async fn limit_body<E: Endpoint>(ep: Arc<E>, mut req: Request, max: usize) -> poem::Result<Response> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n > max => return Err(AppError::PayloadTooLarge.into()),
        Some(_) => {}
        None => {
            let body = req.take_body();
            req.set_body(Body::from_async_read(Limited {
                inner: body.into_async_read(),
                remaining: max,
            }));
        }
    }
    ep.call(req).await.map(IntoResponse::into_response)
}

struct Limited<R> {
    inner: R,
    remaining: usize,
}

impl<R: AsyncRead + Unpin> AsyncRead for Limited<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = buf.filled().len() - before;
                if read > this.remaining {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "request body too large",
                    )));
                }
                this.remaining -= read;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}
