//! [`SearchQuery`]: the paging, sorting and filtering parameters shared by every search endpoint,
//! and [`quote_query_value`] to embed user strings in a query safely.

use conductor_http::ApiRequest;

/// Parameters of a Conductor search (`/workflow/search*`, `/tasks/search*`).
///
/// Every parameter is optional: a parameter left unset is not sent, so the server's default
/// applies (`start` 0, `size` 100, `freeText` `*`, no `query`, no `sort`).
///
/// * `query` is the structured filter: `field OP value` clauses combined with `AND` / `OR` and
///   parentheses, operators `=`, `!=`, `<`, `>`, `IN (a,b)`, `BETWEEN x AND y`, `IS`,
///   `STARTS_WITH`; e.g. `workflowType = 'order' AND status IN (RUNNING,FAILED)`. Use
///   [`quote_query_value`] to embed arbitrary strings.
/// * `free_text` is the index backend's full-text search (`*` matches everything).
/// * `sort` is `field` or `field:ASC|DESC`; calling [`sort`](Self::sort) several times sorts by
///   several fields (the SDK joins them with `|`, which is how the server splits them: repeating
///   the HTTP parameter would make Spring join them with `,` and break the sort).
/// * `start` / `size` page through the results. OSS rejects `size` above 5000 with HTTP 400.
/// * `classifier` and `top_level_only` exist only on `GET /workflow/search` and
///   `/workflow/search-v2` (OSS v3.31.2+; `classifier` is `workflow` or `agent`, comma-separated
///   for several); the other search endpoints never send them. **Older servers ignore both
///   parameters silently** and return unfiltered results (see `docs/compatibility.md`).
///
/// ```
/// use conductor_client::SearchQuery;
///
/// let query = SearchQuery::new()
///     .query("status = 'RUNNING'")
///     .free_text("*")
///     .sort("startTime:DESC")
///     .start(0)
///     .size(20);
/// # let _ = query;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchQuery {
    start: Option<u32>,
    size: Option<u32>,
    sort: Vec<String>,
    free_text: Option<String>,
    query: Option<String>,
    classifier: Option<String>,
    top_level_only: Option<bool>,
}

impl SearchQuery {
    /// An empty search: all parameters at the server's defaults (first 100 hits of everything).
    ///
    /// ```
    /// use conductor_client::{SearchQuery, ConductorClient, Configuration};
    ///
    /// let options = SearchQuery::new();
    /// assert_eq!(options, SearchQuery::default());
    /// # async fn run(options: SearchQuery) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().search_workflows(&options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the structured filter (`query` parameter). Default: none (no filter).
    ///
    /// ```
    /// use conductor_client::{SearchQuery, ConductorClient, Configuration};
    ///
    /// let options = SearchQuery::new().query("workflowType = order_fulfillment AND status IN (FAILED, TIMED_OUT)");
    /// assert_ne!(options, SearchQuery::new());
    /// # async fn run(options: SearchQuery) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().search_workflows(&options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// Sets the full-text search (`freeText` parameter). Default: the server's `*`.
    ///
    /// ```
    /// use conductor_client::{SearchQuery, ConductorClient, Configuration};
    ///
    /// let options = SearchQuery::new().free_text("order-42");
    /// assert_ne!(options, SearchQuery::new());
    /// # async fn run(options: SearchQuery) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().search_workflows(&options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn free_text(mut self, free_text: impl Into<String>) -> Self {
        self.free_text = Some(free_text.into());
        self
    }

    /// Adds a sort key, `field` or `field:ASC` / `field:DESC` (ascending when no order is given).
    /// Later calls add secondary keys. Default: the backend's order.
    ///
    /// ```
    /// use conductor_client::{SearchQuery, ConductorClient, Configuration};
    ///
    /// let options = SearchQuery::new().sort("startTime:DESC");
    /// assert_ne!(options, SearchQuery::new());
    /// # async fn run(options: SearchQuery) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().search_workflows(&options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort.push(sort.into());
        self
    }

    /// Sets the index of the first hit to return (`start`). Default: the server's 0.
    ///
    /// ```
    /// use conductor_client::{SearchQuery, ConductorClient, Configuration};
    ///
    /// let options = SearchQuery::new().start(20);
    /// assert_ne!(options, SearchQuery::new());
    /// # async fn run(options: SearchQuery) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().search_workflows(&options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn start(mut self, start: u32) -> Self {
        self.start = Some(start);
        self
    }

    /// Sets the page size (`size`). Default: the server's 100; OSS allows at most 5000 for
    /// workflow searches.
    ///
    /// ```
    /// use conductor_client::{SearchQuery, ConductorClient, Configuration};
    ///
    /// let options = SearchQuery::new().size(20);
    /// assert_ne!(options, SearchQuery::new());
    /// # async fn run(options: SearchQuery) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.task_client().search_tasks(&options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn size(mut self, size: u32) -> Self {
        self.size = Some(size);
        self
    }

    /// Restricts a workflow search to a classifier (`workflow`, `agent`, or a comma-separated
    /// list). Only sent by `search_workflows` and `search_workflows_v2`; OSS v3.32+. Default: none.
    ///
    /// ```
    /// use conductor_client::{SearchQuery, ConductorClient, Configuration};
    ///
    /// let options = SearchQuery::new().classifier("agent");
    /// assert_ne!(options, SearchQuery::new());
    /// # async fn run(options: SearchQuery) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().search_workflows(&options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn classifier(mut self, classifier: impl Into<String>) -> Self {
        self.classifier = Some(classifier.into());
        self
    }

    /// Restricts a workflow search to executions without a parent workflow (`topLevelOnly`).
    /// Only sent by `search_workflows` and `search_workflows_v2`; OSS v3.32+. Default: the
    /// server's `false`.
    ///
    /// ```
    /// use conductor_client::{SearchQuery, ConductorClient, Configuration};
    ///
    /// let options = SearchQuery::new().top_level_only(true);
    /// assert_ne!(options, SearchQuery::new());
    /// # async fn run(options: SearchQuery) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().search_workflows(&options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn top_level_only(mut self, top_level_only: bool) -> Self {
        self.top_level_only = Some(top_level_only);
        self
    }

    /// Adds the common parameters (`start`, `size`, `sort`, `freeText`, `query`) to `request`.
    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        let sort = (!self.sort.is_empty()).then(|| self.sort.join("|"));
        request
            .query_opt("start", self.start)
            .query_opt("size", self.size)
            .query_opt("sort", sort)
            .query_opt("freeText", self.free_text.as_deref())
            .query_opt("query", self.query.as_deref())
    }

    /// Adds the common parameters plus the workflow-search-only `classifier` / `topLevelOnly`.
    pub(crate) fn apply_workflow_search(&self, request: ApiRequest) -> ApiRequest {
        self.apply(request)
            .query_opt("classifier", self.classifier.as_deref())
            .query_opt("topLevelOnly", self.top_level_only)
    }
}

/// Quotes `value` as a string constant for a search `query`: wraps it in double quotes and
/// escapes `\` and `"` with a backslash, as the server's query parser expects.
///
/// ```
/// use conductor_client::quote_query_value;
///
/// assert_eq!(quote_query_value("order"), r#""order""#);
/// assert_eq!(quote_query_value(r#"a"b\c"#), r#""a\"b\\c""#);
/// let query = format!("workflowType = {}", quote_query_value("my workflow"));
/// assert_eq!(query, r#"workflowType = "my workflow""#);
/// ```
#[must_use]
pub fn quote_query_value(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for ch in value.chars() {
        if ch == '"' || ch == '\\' {
            quoted.push('\\');
        }
        quoted.push(ch);
    }
    quoted.push('"');
    quoted
}
