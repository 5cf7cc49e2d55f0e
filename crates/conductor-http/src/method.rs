//! [`Method`]: the HTTP method of an [`ApiRequest`](crate::ApiRequest), our own type so that the
//! HTTP client underneath (reqwest today) is not part of the public API.

use std::fmt;

/// An HTTP request method.
///
/// Spelled like the `http` crate's constants (`Method::GET`, `Method::POST`, ...), so code written
/// against them reads the same; the set is the methods the Conductor API uses.
///
/// ```
/// use conductor_http::Method;
///
/// assert_eq!(Method::PUT.as_str(), "PUT");
/// assert_eq!(Method::DELETE.to_string(), "DELETE");
/// assert!(Method::GET.is_idempotent());
/// assert!(!Method::POST.is_idempotent());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Method(Verb);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Verb {
    Get,
    Post,
    Put,
    Delete,
    Patch,
    Head,
    Options,
}

impl Method {
    /// `GET`: read a resource.
    pub const GET: Self = Self(Verb::Get);
    /// `POST`: create a resource or run an action (not idempotent).
    pub const POST: Self = Self(Verb::Post);
    /// `PUT`: replace a resource or run an idempotent action.
    pub const PUT: Self = Self(Verb::Put);
    /// `DELETE`: remove a resource.
    pub const DELETE: Self = Self(Verb::Delete);
    /// `PATCH`: change part of a resource (not idempotent).
    pub const PATCH: Self = Self(Verb::Patch);
    /// `HEAD`: like `GET`, without the body.
    pub const HEAD: Self = Self(Verb::Head);
    /// `OPTIONS`: ask which methods a resource allows.
    pub const OPTIONS: Self = Self(Verb::Options);

    /// The method's name as sent on the wire (`"GET"`, `"POST"`, ...).
    ///
    /// ```
    /// assert_eq!(conductor_http::Method::PATCH.as_str(), "PATCH");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self.0 {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
            Verb::Patch => "PATCH",
            Verb::Head => "HEAD",
            Verb::Options => "OPTIONS",
        }
    }

    /// Whether sending the request twice has the same effect as sending it once (everything but
    /// `POST` and `PATCH`): the [`ApiClient`](crate::ApiClient) replays such a request after any
    /// transient failure, and a non-idempotent one only when it never reached the server.
    ///
    /// ```
    /// use conductor_http::Method;
    ///
    /// assert!(Method::DELETE.is_idempotent());
    /// assert!(!Method::PATCH.is_idempotent());
    /// ```
    #[must_use]
    pub const fn is_idempotent(self) -> bool {
        !matches!(self.0, Verb::Post | Verb::Patch)
    }

    /// The same method for the HTTP client underneath.
    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self.0 {
            Verb::Get => reqwest::Method::GET,
            Verb::Post => reqwest::Method::POST,
            Verb::Put => reqwest::Method::PUT,
            Verb::Delete => reqwest::Method::DELETE,
            Verb::Patch => reqwest::Method::PATCH,
            Verb::Head => reqwest::Method::HEAD,
            Verb::Options => reqwest::Method::OPTIONS,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_client_underneath() {
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
            Method::HEAD,
            Method::OPTIONS,
        ] {
            assert_eq!(method.to_reqwest().as_str(), method.as_str());
            assert_eq!(format!("{method:?}"), method.as_str());
            assert_eq!(
                method.is_idempotent(),
                method.to_reqwest().is_idempotent(),
                "{method}"
            );
        }
    }
}
