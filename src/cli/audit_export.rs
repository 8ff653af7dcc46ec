//! `registrar audits export --since T [--tenant ID]`: newline-delimited
//! CloudEvents on stdout, read straight from the database.

use super::audits::ExportArgs;
use crate::audit::export::{Selection, export};
use crate::store::Store;

pub async fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let store = Store::connect(&args.db.database_url, &args.db.pool()).await?;
    let selection = Selection {
        since: args.since,
        tenant: args.tenant.as_deref(),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = export(&store, &selection, &mut out).await;
    store.close().await;
    match written {
        Ok(_) => Ok(()),
        // A closed pipe (`| head`) ends the export quietly.
        Err(crate::audit::export::ExportError::Write(e))
            if e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
