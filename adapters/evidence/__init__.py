"""The file evidence sink (seed 000 §1.1, §5.3, §6), its hash-chain verifier and run dirs."""

from adapters.evidence.chain import ChainBreak, ChainReport, verify_chain
from adapters.evidence.group_commit import EvidenceWriteError
from adapters.evidence.packaging import check_sums
from adapters.evidence.redact import REDACTED, Redactor, is_secret_name
from adapters.evidence.run_dir import new_run_dir
from adapters.evidence.sink import EvidenceSinkClosed, FileEvidenceSink

__all__ = ["REDACTED", "ChainBreak", "ChainReport", "EvidenceSinkClosed", "EvidenceWriteError",
           "FileEvidenceSink", "Redactor", "check_sums", "is_secret_name", "new_run_dir",
           "verify_chain"]
