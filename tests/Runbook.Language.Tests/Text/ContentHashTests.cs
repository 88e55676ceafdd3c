using System.Security.Cryptography;
using System.Text;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Text;

public sealed class ContentHashTests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    [InlineData("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")]
    public void The_digest_of_the_standards_test_vectors_is_the_standards(string message, string expected)
    {
        Assert.Equal(expected, Convert.ToHexStringLower(ContentHash.Sha256(Encoding.ASCII.GetBytes(message))));
    }

    [Fact]
    public void The_digest_of_a_million_as_is_the_standards()
    {
        var message = new byte[1_000_000];
        Array.Fill(message, (byte)'a');
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Convert.ToHexStringLower(ContentHash.Sha256(message)));
    }

    [Fact]
    public void Every_length_across_the_padding_boundaries_hashes_as_dotnets_sha256()
    {
        // 55, 56 and 64 bytes are where the length field moves into a second padding block.
        var random = new Random(23);
        for (var length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.True(SHA256.HashData(data).AsSpan().SequenceEqual(ContentHash.Sha256(data)), $"length {length}");
        }
    }

    [Fact]
    public void A_text_is_hashed_as_its_utf8_bytes_with_the_algorithm_named()
    {
        const string text = "name: résumé 🚨\n";
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), ContentHash.Of(text));
    }
}
