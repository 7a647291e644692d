//! Response bodies read with a ceiling: a misconfigured or hostile
//! endpoint (a query that matches every series, a proxy streaming forever)
//! costs one error, never the process's memory.

/// What a metrics or cost answer may weigh at most.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("response larger than {}, not read", size(*.0))]
    TooLarge(usize),
    #[error("{0}")]
    Read(reqwest::Error),
}

fn size(n: usize) -> String {
    match n {
        n if n >= 1 << 20 => format!("{} MiB", n >> 20),
        n => format!("{} KiB", n >> 10),
    }
}

impl BodyError {
    pub fn is_timeout(&self) -> bool {
        matches!(self, BodyError::Read(e) if e.is_timeout())
    }
}

/// The body, chunk by chunk, stopping as soon as it passes `max` bytes.
pub async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge(max));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge(max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers once with `len` bytes, chunked (no length
    /// announced) when `chunked`.
    async fn serve(len: usize, chunked: bool) -> String {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let head = if chunked {
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_string()
            } else {
                format!("HTTP/1.1 200 OK\r\ncontent-length: {len}\r\n\r\n")
            };
            let _ = s.write_all(head.as_bytes()).await;
            let piece = vec![b'x'; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let n = left.min(piece.len());
                let r = if chunked {
                    let mut c = format!("{n:x}\r\n").into_bytes();
                    c.extend_from_slice(&piece[..n]);
                    c.extend_from_slice(b"\r\n");
                    s.write_all(&c).await
                } else {
                    s.write_all(&piece[..n]).await
                };
                if r.is_err() {
                    return;
                }
                left -= n;
            }
            if chunked {
                let _ = s.write_all(b"0\r\n\r\n").await;
            }
        });
        format!("http://{addr}/")
    }

    #[tokio::test]
    async fn bodies_over_the_ceiling_are_refused_announced_or_not() {
        let client = crate::basics::http::client();
        for chunked in [false, true] {
            let url = serve(1024 * 1024, chunked).await;
            let r = client.get(&url).send().await.unwrap();
            let e = read_capped(r, 256 * 1024).await.unwrap_err();
            assert_eq!(e.to_string(), "response larger than 256 KiB, not read");
            let url = serve(100 * 1024, chunked).await;
            let r = client.get(&url).send().await.unwrap();
            assert_eq!(read_capped(r, 256 * 1024).await.unwrap().len(), 100 * 1024);
        }
    }
}
